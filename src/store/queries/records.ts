/** Findings, guard state and outcomes: plain rows with no lifecycle of their own. */
import type { Finding } from '../../core/index.js';
import { findingToRow, guardToRow, outcomeToRow, rowToFinding, rowToGuard, rowToOutcome } from '../rows.js';
import type { GuardState, Page, StoredOutcome } from '../store.js';
import { type Db, paged } from './common.js';

export async function insertFinding(db: Db, f: Finding, incidentId: string | null): Promise<void> {
  await db.insertInto('findings').values(findingToRow(f, incidentId)).execute();
}

/** Newest first. */
export async function listFindings(
  db: Db,
  filter: Page & { service?: string; incidentId?: string },
): Promise<Finding[]> {
  let q = db.selectFrom('findings').selectAll();
  if (filter.service !== undefined) q = q.where('service', '=', filter.service);
  if (filter.incidentId !== undefined) q = q.where('incident_id', '=', filter.incidentId);
  const rows = await paged(q.orderBy('at', 'desc').orderBy('id', 'desc'), filter).execute();
  return rows.map(rowToFinding);
}

export async function getGuardState(db: Db, service: string): Promise<GuardState | null> {
  const row = await db
    .selectFrom('guard_state')
    .selectAll()
    .where('service', '=', service)
    .executeTakeFirst();
  return row ? rowToGuard(row) : null;
}

export async function putGuardState(db: Db, s: GuardState): Promise<void> {
  const row = guardToRow(s);
  const { service: _service, ...rest } = row;
  await db
    .insertInto('guard_state')
    .values(row)
    .onConflict((oc) => oc.column('service').doUpdateSet(rest))
    .execute();
}

export async function recordOutcome(db: Db, o: StoredOutcome): Promise<void> {
  await db.insertInto('outcomes').values(outcomeToRow(o)).execute();
}

/** Newest first. */
export async function listOutcomes(db: Db, filter: Page & { service?: string }): Promise<StoredOutcome[]> {
  let q = db.selectFrom('outcomes').selectAll();
  if (filter.service !== undefined) q = q.where('service', '=', filter.service);
  const rows = await paged(q.orderBy('at', 'desc').orderBy('id', 'desc'), filter).execute();
  return rows.map(rowToOutcome);
}
