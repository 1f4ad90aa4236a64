/** Incident changes that correlation needs: root moves, merges, membership. */
import { type Incident, NotFoundError } from '../../core/index.js';
import { rowToIncident, toJson } from '../rows.js';
import type { IncidentUpdate } from '../store.js';
import type { Db } from './common.js';

export async function updateIncident(
  db: Db,
  id: string,
  patch: IncidentUpdate,
  at: number,
  reason: string,
): Promise<Incident> {
  return db.transaction().execute(async (trx) => {
    const row = await trx.selectFrom('incidents').selectAll().where('id', '=', id).executeTakeFirst();
    if (!row) throw new NotFoundError(`incident ${id}`);
    const current = rowToIncident(row);
    const next: Incident = { ...current, updatedAt: at };
    if (patch.service !== undefined) next.service = patch.service;
    if (patch.rootCause !== undefined) next.rootCause = patch.rootCause;
    if (patch.severity !== undefined) next.severity = patch.severity;
    if (patch.title !== undefined) next.title = patch.title;
    await trx
      .updateTable('incidents')
      .set({
        service: next.service,
        root_cause: next.rootCause,
        severity: next.severity,
        title: next.title,
        updated_at: at,
      })
      .where('id', '=', id)
      .execute();
    const changed: Record<string, unknown> = {};
    for (const k of Object.keys(patch) as (keyof IncidentUpdate)[]) {
      if (patch[k] !== undefined && patch[k] !== current[k]) changed[k] = { from: current[k], to: patch[k] };
    }
    await trx
      .insertInto('incident_timeline')
      .values({ incident_id: id, at, kind: 'note', state: null, message: reason, data: toJson(changed) })
      .execute();
    return next;
  });
}

export async function moveFindings(db: Db, from: string, to: string): Promise<number> {
  const res = await db
    .updateTable('findings')
    .set({ incident_id: to })
    .where('incident_id', '=', from)
    .executeTakeFirst();
  return Number(res.numUpdatedRows);
}

export async function incidentServices(db: Db, incidentId: string): Promise<string[]> {
  const own = await db.selectFrom('incidents').select('service').where('id', '=', incidentId).execute();
  const attached = await db
    .selectFrom('findings')
    .select('service')
    .distinct()
    .where('incident_id', '=', incidentId)
    .execute();
  return [...new Set([...own, ...attached].map((r) => r.service))].sort();
}
