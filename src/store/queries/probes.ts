import { probeToRow, rowToProbe } from '../rows.js';
import type { ProbeRecord } from '../store.js';
import type { Db } from './common.js';

/**
 * Appends to the history and moves probe_latest forward (never backward, for out-of-order writes), a batch
 * in one transaction: at thousands of checks a second, one fsync per result is too many.
 */
export async function recordProbes(db: Db, recs: readonly ProbeRecord[]): Promise<void> {
  if (recs.length === 0) return;
  const rows = recs.map(probeToRow);
  // One upsert may not touch a row twice (PostgreSQL refuses): keep each check's newest result of the batch.
  const latest = new Map<string, (typeof rows)[number]>();
  for (const r of rows) {
    const key = `${r.service}\u0000${r.check}`;
    const prev = latest.get(key);
    if (!prev || prev.at <= r.at) latest.set(key, r);
  }
  await db.transaction().execute(async (trx) => {
    for (let i = 0; i < rows.length; i += BATCH) {
      await trx
        .insertInto('probe_results')
        .values(rows.slice(i, i + BATCH))
        .execute();
    }
    // In key order: two replicas upserting overlapping checks (during a hand-over) then lock rows in the same
    // order and wait for each other, where any other order can deadlock and lose a whole batch.
    const newest = [...latest.keys()].sort().map((k) => latest.get(k)!);
    for (let i = 0; i < newest.length; i += BATCH) {
      await trx
        .insertInto('probe_latest')
        .values(newest.slice(i, i + BATCH))
        .onConflict((oc) =>
          oc
            .columns(['service', 'check'])
            .doUpdateSet((eb) => ({
              at: eb.ref('excluded.at'),
              ok: eb.ref('excluded.ok'),
              degraded: eb.ref('excluded.degraded'),
              latency_ms: eb.ref('excluded.latency_ms'),
              message: eb.ref('excluded.message'),
              details: eb.ref('excluded.details'),
            }))
            .where((eb) => eb('probe_latest.at', '<=', eb.ref('excluded.at'))),
        )
        .execute();
    }
  });
}

/** Rows per INSERT statement: well under SQLite's and PostgreSQL's limits on bound parameters. */
const BATCH = 500;

export async function latestProbes(db: Db): Promise<ProbeRecord[]> {
  const rows = await db.selectFrom('probe_latest').selectAll().orderBy('service').orderBy('check').execute();
  return rows.map(rowToProbe);
}

/** The newest `limit` results at or after `since`, returned oldest first. */
export async function probeHistory(
  db: Db,
  service: string,
  check: string,
  since: number,
  limit?: number,
): Promise<ProbeRecord[]> {
  let q = db
    .selectFrom('probe_results')
    .selectAll()
    .where('service', '=', service)
    .where('check', '=', check)
    .where('at', '>=', since)
    .orderBy('at', 'desc')
    .orderBy('id', 'desc');
  if (limit !== undefined) q = q.limit(Math.max(0, Math.floor(limit)));
  const rows = await q.execute();
  return rows.reverse().map(rowToProbe);
}
