import { probeToRow, rowToProbe } from '../rows.js';
import type { ProbeRecord } from '../store.js';
import type { Db } from './common.js';

/** Appends to the history and moves probe_latest forward (never backward, for out-of-order writes). */
export async function recordProbe(db: Db, rec: ProbeRecord): Promise<void> {
  const row = probeToRow(rec);
  await db.transaction().execute(async (trx) => {
    await trx.insertInto('probe_results').values(row).execute();
    await trx
      .insertInto('probe_latest')
      .values(row)
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
  });
}

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
