/** `services.<name>.metrics`: metric series, detectors and forecasts (see src/daemon/TELEMETRY.md). */
import { z } from 'zod';
import { duration } from './common.js';

const UNITS: Record<string, number> = {
  b: 1,
  kb: 1e3,
  mb: 1e6,
  gb: 1e9,
  tb: 1e12,
  kib: 1024,
  mib: 1024 ** 2,
  gib: 1024 ** 3,
  tib: 1024 ** 4,
  '%': 0.01,
};

/** A number, or a size/percentage ("512MiB", "2GB", "90%"), parsed to a plain number (bytes, ratio). */
export const quantity = z.union([z.number(), z.string()]).transform((v, ctx) => {
  if (typeof v === 'number') return v;
  const m = /^\s*(-?\d+(?:\.\d+)?)\s*([a-z%]*)\s*$/i.exec(v);
  const unit = m?.[2]?.toLowerCase() ?? '';
  const f = unit === '' ? 1 : UNITS[unit];
  if (!m || f === undefined) {
    ctx.addIssue({ code: 'custom', message: `"${v}" is not a number, size (512MiB, 2GB) or percentage` });
    return z.NEVER;
  }
  return Number(m[1]) * f;
});

const hostMetric = z
  .string()
  .regex(
    /^(cpu|memory|memory_used_bytes|load1|load5|load15|disk:\/.*)$/,
    'cpu, memory, memory_used_bytes, load1, load5, load15 or disk:/mount',
  );

export const seriesSchema = z
  .strictObject({
    /** How detectors and forecasts name the series. */
    name: z.string().regex(/^[a-zA-Z_][a-zA-Z0-9_.:-]*$/, 'letters, digits, _ . : - only'),
    interval: duration.default(10_000),
    /** A Prometheus /metrics endpoint: the sum of the samples of `metric` whose labels match. */
    scrape: z
      .strictObject({
        url: z.url(),
        metric: z.string().min(1),
        labels: z.record(z.string(), z.string()).default({}),
        headers: z.record(z.string(), z.string()).default({}),
        /** A counter: the series is its per-second rate. */
        rate: z.boolean().default(false),
      })
      .optional(),
    /** A PromQL instant query against a Prometheus server: the first series' value. */
    promql: z
      .strictObject({
        url: z.url(),
        query: z.string().min(1),
        headers: z.record(z.string(), z.string()).default({}),
      })
      .optional(),
    /** A host metric: cpu (0..1), memory (used ratio), memory_used_bytes, load1|5|15, disk:/mount (used ratio). */
    host: hostMetric.optional(),
    /** Resident memory (bytes) of the supervised process (`true`), or of a pid file's process. */
    rss: z.union([z.literal(true), z.strictObject({ pidfile: z.string().min(1) })]).optional(),
  })
  .refine((s) => [s.scrape, s.promql, s.host, s.rss].filter((x) => x !== undefined).length === 1, {
    message: 'a series needs exactly one of scrape, promql, host, rss',
  });

export const detectSchema = z.strictObject({
  /** A series name of this service (or logs.error_rate, logs.lines_rate). */
  metric: z.string().min(1),
  detector: z.string().default('auto'),
  /** Score (0..1) at or above which a sample is anomalous. */
  threshold: z.number().min(0).max(1).default(0.5),
  options: z.record(z.string(), z.number()).default({}),
  /** Normal samples that end an anomaly episode. */
  clear_after: z.number().int().min(1).default(5),
});

export const forecastSchema = z.strictObject({
  metric: z.string().min(1),
  /** The value that means exhaustion (bytes, ratio...): "2GiB", "95%". */
  limit: quantity,
  /** A finding when the limit is predicted within this long. */
  within: duration.default(3_600_000),
  /** The trend follows this much of the recent past (half-life of the fit's weights). */
  horizon: duration.default(1_800_000),
  /** How often the forecast is re-evaluated. */
  every: duration.default(10_000),
  /** Samples needed before forecasting. */
  min_samples: z.number().int().min(3).default(10),
});

export const serviceMetricsSchema = z.strictObject({
  series: z.array(seriesSchema).default([]),
  detect: z.array(detectSchema).default([]),
  forecast: z.array(forecastSchema).default([]),
  retention: z
    .strictObject({
      /** Raw samples are kept this long, then folded into rollups. */
      raw: duration.default(86_400_000),
      /** Rollup width. */
      step: duration.default(60_000),
      /** Rollups are kept this long. */
      rollup: duration.default(30 * 86_400_000),
    })
    .prefault({}),
});

export type ServiceMetricsConfig = z.output<typeof serviceMetricsSchema>;
export type SeriesConfig = z.output<typeof seriesSchema>;
