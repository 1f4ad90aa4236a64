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
    name: z
      .string()
      .regex(/^[a-zA-Z_][a-zA-Z0-9_.:-]*$/, 'letters, digits, _ . : - only')
      .describe('How detectors and forecasts name the series.'),
    interval: duration.default(10_000).describe('How often the series is sampled.'),
    scrape: z
      .strictObject({
        url: z.url().describe('The /metrics URL scraped.'),
        metric: z.string().min(1).describe('The metric name summed.'),
        labels: z
          .record(z.string(), z.string())
          .default({})
          .describe('Only samples with these label values count.'),
        headers: z
          .record(z.string(), z.string())
          .default({})
          .describe('Request headers (e.g. Authorization).'),
        rate: z.boolean().default(false).describe('A counter: the series is its per-second rate.'),
      })
      .optional()
      .describe('A Prometheus /metrics endpoint: the sum of the samples of `metric` whose labels match.'),
    promql: z
      .strictObject({
        url: z.url().describe("The Prometheus server's base URL."),
        query: z.string().min(1).describe('The PromQL instant query.'),
        headers: z
          .record(z.string(), z.string())
          .default({})
          .describe('Request headers (e.g. Authorization).'),
      })
      .optional()
      .describe("A PromQL instant query against a Prometheus server: the first series' value."),
    host: hostMetric
      .optional()
      .describe(
        'A host metric: cpu (0..1), memory (used ratio), memory_used_bytes, load1|5|15, disk:/mount (used ratio).',
      ),
    rss: z
      .union([
        z.literal(true),
        z.strictObject({ pidfile: z.string().min(1).describe('The pid file; relative to the config file.') }),
      ])
      .optional()
      .describe("Resident memory (bytes) of the supervised process (`true`), or of a pid file's process."),
  })
  .refine((s) => [s.scrape, s.promql, s.host, s.rss].filter((x) => x !== undefined).length === 1, {
    message: 'a series needs exactly one of scrape, promql, host, rss',
  });

export const detectSchema = z.strictObject({
  metric: z.string().min(1).describe('A series name of this service (or logs.error_rate, logs.lines_rate).'),
  detector: z
    .string()
    .default('auto')
    .describe(
      'The anomaly detector: `auto` (chosen per series), or a named one (`zscore`, `ewma`, `mad`, `threshold`, ...).',
    ),
  threshold: z
    .number()
    .min(0)
    .max(1)
    // DEFAULT_THRESHOLD of src/detect/monitor.ts (a test holds them equal).
    .default(0.65)
    .describe(
      "Score (0..1) at or above which a sample is anomalous. `auto`'s scores reach 0.65 about once a series-year on plain noise; 0.5 is NAB's operating point (about once in 270 samples).",
    ),
  options: z
    .record(z.string(), z.number())
    .default({})
    .describe('Detector options by name (e.g. `window`, `k`).'),
  clear_after: z.number().int().min(1).default(5).describe('Normal samples that end an anomaly episode.'),
  severity: z
    .enum(['info', 'warning', 'critical'])
    .default('warning')
    .describe(
      "The anomaly findings' severity: a series unlike its past is a sign, not a failure, so `warning` unless you want a route that pages on `critical` to page on it.",
    ),
});

export const forecastSchema = z.strictObject({
  metric: z.string().min(1).describe('The series forecast.'),
  limit: quantity.describe('The value that means exhaustion (bytes, ratio...): "2GiB", "95%".'),
  within: duration.default(3_600_000).describe('A finding when the limit is predicted within this long.'),
  horizon: duration
    .default(1_800_000)
    .describe("The trend follows this much of the recent past (half-life of the fit's weights)."),
  every: duration.default(10_000).describe('How often the forecast is re-evaluated.'),
  min_samples: z.number().int().min(3).default(10).describe('Samples needed before forecasting.'),
});

export const serviceMetricsSchema = z.strictObject({
  series: z.array(seriesSchema).default([]).describe('Metric series sampled for this service.'),
  detect: z.array(detectSchema).default([]).describe('Anomaly detectors over the series.'),
  forecast: z
    .array(forecastSchema)
    .default([])
    .describe('Forecasts of exhaustion: a finding of kind `forecast` when a series will reach its limit.'),
  retention: z
    .strictObject({
      raw: duration.default(86_400_000).describe('Raw samples are kept this long, then folded into rollups.'),
      step: duration.default(60_000).describe('Rollup width.'),
      rollup: duration.default(30 * 86_400_000).describe('Rollups are kept this long.'),
    })
    .prefault({})
    .describe('How long raw samples are kept, and how they are downsampled.'),
});

export type ServiceMetricsConfig = z.output<typeof serviceMetricsSchema>;
export type SeriesConfig = z.output<typeof seriesSchema>;
