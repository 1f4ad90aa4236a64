/** Incidents and their timelines. Every state change and its timeline entry are written in one transaction. */
import { sql } from 'kysely';
import {
  type Incident,
  type IncidentState,
  NotFoundError,
  StoreError,
  TERMINAL_INCIDENT_STATES,
  type TimelineEntry,
  type TimelineKind,
} from '../../core/index.js';
import { ACTIVE_DEDUP_PREDICATE } from '../migrations/002_cluster.js';
import { incidentToRow, rowToIncident, rowToTimeline, toJson } from '../rows.js';
import type { IncidentFilter } from '../store.js';
import { countOf, type Db, paged } from './common.js';

export type IncidentPatch = Partial<Pick<Incident, 'rootCause' | 'severity' | 'title' | 'resolvedAt'>>;

async function findIncident(db: Db, id: string): Promise<Incident | null> {
  const row = await db.selectFrom('incidents').selectAll().where('id', '=', id).executeTakeFirst();
  return row ? rowToIncident(row) : null;
}

async function appendTimeline(
  db: Db,
  incidentId: string,
  at: number,
  kind: TimelineKind,
  state: IncidentState | null,
  message: string,
  data: Record<string, unknown> | undefined,
): Promise<void> {
  await db
    .insertInto('incident_timeline')
    .values({ incident_id: incidentId, at, kind, state, message, data: toJson(data) })
    .execute();
}

/** Writes the incident and its opening transition (into its initial state, at openedAt). */
export async function createIncident(db: Db, i: Incident, reason: string): Promise<void> {
  await db.transaction().execute(async (trx) => {
    await trx.insertInto('incidents').values(incidentToRow(i)).execute();
    await appendTimeline(trx, i.id, i.openedAt, 'transition', i.state, reason, {});
  });
}

/**
 * Opens `i` under `dedupKey` unless an active incident already holds that key; returns the holder. The unique
 * partial index settles races between processes: on PostgreSQL a concurrent insert of the same key waits for
 * the other transaction and then does nothing. The loop covers the holder being resolved between our insert
 * and our read (the key is then free, so the next attempt inserts).
 */
export async function openIncident(
  db: Db,
  i: Incident,
  reason: string,
  dedupKey: string,
): Promise<{ incident: Incident; created: boolean }> {
  for (let attempt = 0; attempt < 5; attempt++) {
    const result = await db.transaction().execute(async (trx) => {
      const inserted = await trx
        .insertInto('incidents')
        .values({ ...incidentToRow(i), dedup_key: dedupKey })
        .onConflict((oc) =>
          oc.column('dedup_key').where(sql.raw<boolean>(ACTIVE_DEDUP_PREDICATE)).doNothing(),
        )
        .returning('id')
        .executeTakeFirst();
      if (inserted) {
        await appendTimeline(trx, i.id, i.openedAt, 'transition', i.state, reason, {});
        return { incident: i, created: true };
      }
      const holder = await trx
        .selectFrom('incidents')
        .selectAll()
        .where('dedup_key', '=', dedupKey)
        .where('state', 'not in', [...TERMINAL_INCIDENT_STATES])
        .executeTakeFirst();
      return holder ? { incident: rowToIncident(holder), created: false } : null;
    });
    if (result) return result;
  }
  throw new StoreError(`could not open an incident for key ${dedupKey}: it keeps changing hands`);
}

/**
 * Moves the incident to `state` with updatedAt = at, applying the patch's defined fields. Entering 'resolved'
 * without a resolvedAt (in the patch or already set) stamps resolvedAt = at.
 */
export async function transitionIncident(
  db: Db,
  id: string,
  state: IncidentState,
  reason: string,
  at: number,
  patch: IncidentPatch = {},
): Promise<Incident> {
  return db.transaction().execute(async (trx) => {
    const current = await findIncident(trx, id);
    if (!current) throw new NotFoundError(`incident ${id}`);
    const next: Incident = { ...current, state, updatedAt: at };
    if (patch.title !== undefined) next.title = patch.title;
    if (patch.severity !== undefined) next.severity = patch.severity;
    if (patch.rootCause !== undefined) next.rootCause = patch.rootCause;
    if (patch.resolvedAt !== undefined) next.resolvedAt = patch.resolvedAt;
    else if (state === 'resolved' && next.resolvedAt === null) next.resolvedAt = at;
    const { id: _id, ...row } = incidentToRow(next);
    await trx.updateTable('incidents').set(row).where('id', '=', id).execute();
    await appendTimeline(trx, id, at, 'transition', state, reason, { from: current.state });
    return next;
  });
}

export async function addTimeline(
  db: Db,
  incidentId: string,
  at: number,
  kind: TimelineKind,
  message: string,
  data?: Record<string, unknown>,
): Promise<void> {
  await db.transaction().execute(async (trx) => {
    const exists = await trx
      .selectFrom('incidents')
      .select('id')
      .where('id', '=', incidentId)
      .executeTakeFirst();
    if (!exists) throw new NotFoundError(`incident ${incidentId}`);
    await appendTimeline(trx, incidentId, at, kind, null, message, data);
  });
}

export function getIncident(db: Db, id: string): Promise<Incident | null> {
  return findIncident(db, id);
}

/** Oldest first (by time, then by order written). */
export async function timeline(db: Db, incidentId: string): Promise<TimelineEntry[]> {
  const rows = await db
    .selectFrom('incident_timeline')
    .selectAll()
    .where('incident_id', '=', incidentId)
    .orderBy('at')
    .orderBy('id')
    .execute();
  return rows.map(rowToTimeline);
}

/** Newest first; `state: 'active'` means neither resolved nor suppressed. */
export async function listIncidents(
  db: Db,
  filter: IncidentFilter,
): Promise<{ items: Incident[]; total: number }> {
  let base = db.selectFrom('incidents');
  if (filter.service !== undefined) base = base.where('service', '=', filter.service);
  if (filter.state === 'active') base = base.where('state', 'not in', [...TERMINAL_INCIDENT_STATES]);
  else if (filter.state !== undefined) base = base.where('state', '=', filter.state);
  if (filter.until !== undefined) base = base.where('opened_at', '<', filter.until);
  if (filter.since !== undefined) {
    const since = filter.since;
    base = base.where((eb) => eb.or([eb('resolved_at', 'is', null), eb('resolved_at', '>=', since)]));
  }
  const total = countOf(await base.select((eb) => eb.fn.countAll().as('n')).executeTakeFirst());
  const rows = await paged(
    base.selectAll().orderBy('opened_at', 'desc').orderBy('id', 'desc'),
    filter,
  ).execute();
  return { items: rows.map(rowToIncident), total };
}

/**
 * The service's newest incident that is neither resolved nor suppressed: one opened for it, or one its
 * findings are attached to (a dependent's findings join the incident of the dependency it fails because of).
 */
export async function activeIncident(db: Db, service: string): Promise<Incident | null> {
  const row = await db
    .selectFrom('incidents')
    .selectAll()
    .where((eb) =>
      eb.or([
        eb('service', '=', service),
        eb(
          'id',
          'in',
          eb
            .selectFrom('findings')
            .select('findings.incident_id')
            .where('findings.service', '=', service)
            .where('findings.incident_id', 'is not', null),
        ),
      ]),
    )
    .where('state', 'not in', [...TERMINAL_INCIDENT_STATES])
    .orderBy('opened_at', 'desc')
    .orderBy('id', 'desc')
    .limit(1)
    .executeTakeFirst();
  return row ? rowToIncident(row) : null;
}
