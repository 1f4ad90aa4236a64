/** Metric samples and their rollups (migration 005). */
import { sql } from 'kysely';
import '../telemetry-schema.js';
import type { MetricRollup, MetricSample } from '../store.js';
import { type Db, greatest, least } from './common.js';
import { BATCH, chunks } from './logs.js';

export async function recordMetricSamples(db: Db, samples: readonly MetricSample[]): Promise<void> {
  const rows = samples.filter((s) => Number.isFinite(s.value));
  if (rows.length === 0) return;
  await db.transaction().execute(async (trx) => {
    for (const part of chunks(rows, BATCH)) {
      await trx
        .insertInto('metric_samples')
        .values(part.map((s) => ({ service: s.service, metric: s.metric, at: s.at, value: s.value })))
        .execute();
    }
  });
}

const toSample = (r: { service: string; metric: string; at: number | string; value: number | string }) => ({
  service: r.service,
  metric: r.metric,
  at: Number(r.at),
  value: Number(r.value),
});

export async function metricSamples(
  db: Db,
  service: string,
  metric: string,
  since: number,
  limit?: number,
): Promise<MetricSample[]> {
  let q = db
    .selectFrom('metric_samples')
    .selectAll()
    .where('service', '=', service)
    .where('metric', '=', metric)
    .where('at', '>=', since)
    .orderBy('at', 'desc');
  if (limit !== undefined) q = q.limit(Math.max(0, Math.floor(limit)));
  return (await q.execute()).reverse().map(toSample);
}

export async function downsampleMetrics(db: Db, before: number, stepMs: number): Promise<number> {
  if (!(stepMs > 0)) throw new Error('downsample step must be positive');
  return db.transaction().execute(async (trx) => {
    const rows = await trx
      .selectFrom('metric_samples')
      .selectAll()
      .where('at', '<', before)
      .orderBy('service')
      .orderBy('metric')
      .orderBy('at')
      .execute();
    if (rows.length === 0) return 0;
    const buckets = new Map<string, MetricRollup>();
    for (const raw of rows) {
      const s = toSample(raw);
      const bucket = Math.floor(s.at / stepMs) * stepMs;
      const key = `${s.service}\u0000${s.metric}\u0000${bucket}`;
      const b = buckets.get(key);
      if (!b)
        buckets.set(key, {
          service: s.service,
          metric: s.metric,
          step: stepMs,
          bucket,
          count: 1,
          sum: s.value,
          min: s.value,
          max: s.value,
          last: s.value,
        });
      else {
        b.count++;
        b.sum += s.value;
        b.min = Math.min(b.min, s.value);
        b.max = Math.max(b.max, s.value);
        b.last = s.value;
      }
    }
    for (const part of chunks([...buckets.values()], BATCH)) {
      await trx
        .insertInto('metric_rollups')
        .values(part)
        .onConflict((oc) =>
          oc.columns(['service', 'metric', 'step', 'bucket']).doUpdateSet({
            count: sql`metric_rollups.count + excluded.count`,
            sum: sql`metric_rollups.sum + excluded.sum`,
            min: least(trx, 'metric_rollups.min', 'excluded.min'),
            max: greatest(trx, 'metric_rollups.max', 'excluded.max'),
            last: (eb) => eb.ref('excluded.last'),
          }),
        )
        .execute();
    }
    await trx.deleteFrom('metric_samples').where('at', '<', before).execute();
    return rows.length;
  });
}

export async function metricRollups(
  db: Db,
  service: string,
  metric: string,
  since: number,
): Promise<MetricRollup[]> {
  const rows = await db
    .selectFrom('metric_rollups')
    .selectAll()
    .where('service', '=', service)
    .where('metric', '=', metric)
    .where('bucket', '>=', since)
    .orderBy('bucket')
    .execute();
  return rows.map((r) => ({
    service: r.service,
    metric: r.metric,
    step: Number(r.step),
    bucket: Number(r.bucket),
    count: Number(r.count),
    sum: Number(r.sum),
    min: Number(r.min),
    max: Number(r.max),
    last: Number(r.last),
  }));
}

export async function pruneMetricRollups(db: Db, before: number): Promise<number> {
  const r = await db.deleteFrom('metric_rollups').where('bucket', '<', before).executeTakeFirst();
  return Number(r.numDeletedRows);
}

export async function listMetricSeries(
  db: Db,
  service?: string,
): Promise<{ service: string; metric: string; last: number }[]> {
  let raw = db
    .selectFrom('metric_samples')
    .select(['service', 'metric', (eb) => eb.fn.max('at').as('last')])
    .groupBy(['service', 'metric']);
  let rolled = db
    .selectFrom('metric_rollups')
    .select(['service', 'metric', (eb) => eb.fn.max('bucket').as('last')])
    .groupBy(['service', 'metric']);
  if (service !== undefined) {
    raw = raw.where('service', '=', service);
    rolled = rolled.where('service', '=', service);
  }
  const out = new Map<string, { service: string; metric: string; last: number }>();
  for (const r of [...(await rolled.execute()), ...(await raw.execute())]) {
    const key = `${r.service}\u0000${r.metric}`;
    const last = Number(r.last);
    const prev = out.get(key);
    if (!prev || prev.last < last) out.set(key, { service: r.service, metric: r.metric, last });
  }
  return [...out.values()].sort(
    (a, b) => a.service.localeCompare(b.service) || a.metric.localeCompare(b.metric),
  );
}
