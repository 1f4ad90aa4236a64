import type { Finding, Severity } from '../core/index.js';
import { formatDuration, newId } from '../core/index.js';

/**
 * Trend forecasts with prediction intervals: "disk /var full in 5 h ± 40 min", "RSS reaches the 2 GiB limit in
 * 30 min". A least-squares line through recent samples, with the confidence band of that line; the time to
 * exhaustion is where the line meets the limit, and its interval is where the band's edges meet it.
 */

export interface TimedValue {
  at: number;
  value: number;
}

export interface Exhaustion {
  /** When the trend line reaches the limit (epoch ms). */
  at: number;
  /** From `now` to `at`, in ms. */
  etaMs: number;
  /** The band: earliest and latest plausible time the limit is reached (latest is Infinity if the trend could be flat). */
  earliest: number;
  latest: number;
  /** Units per ms. */
  slope: number;
  /** Value of the trend line at `now`. */
  current: number;
  limit: number;
  samples: number;
}

export interface ForecastOptions {
  /** Two-sided confidence of the band (default 0.95). */
  confidence?: number;
  /** Where "now" is (default: the last sample's time). */
  now?: number;
  /** Ignore exhaustion further than this ahead (default: unlimited). */
  horizonMs?: number;
}

/** Weighted sums of a line fit, in time relative to `t0` to keep float precision with epoch-ms timestamps. */
export interface TrendSums {
  t0: number;
  n: number;
  w: number;
  st: number;
  sv: number;
  stt: number;
  stv: number;
  svv: number;
}

function normalQuantile(p: number): number {
  // Acklam's rational approximation: plenty for an interval.
  const a = [
    -39.69683028665376, 220.9460984245205, -275.9285104469687, 138.357751867269, -30.66479806614716,
    2.506628277459239,
  ];
  const b = [
    -54.47609879822406, 161.5858368580409, -155.6989798598866, 66.80131188771972, -13.28068155288572,
  ];
  const q = Math.sqrt(-2 * Math.log(1 - p));
  const c = [
    -0.007784894002430293, -0.3223964580411365, -2.400758277161838, -2.549732539343734, 4.374664141464968,
    2.938163982698783,
  ];
  const d = [0.007784695709041462, 0.3224671290700398, 2.445134137142996, 3.754408661907416];
  if (p > 0.97575)
    return (
      (((((c[0]! * q + c[1]!) * q + c[2]!) * q + c[3]!) * q + c[4]!) * q + c[5]!) /
      ((((d[0]! * q + d[1]!) * q + d[2]!) * q + d[3]!) * q + 1)
    );
  const r = p - 0.5;
  const s = r * r;
  return (
    ((((((a[0]! * s + a[1]!) * s + a[2]!) * s + a[3]!) * s + a[4]!) * s + a[5]!) * r) /
    (((((b[0]! * s + b[1]!) * s + b[2]!) * s + b[3]!) * s + b[4]!) * s + 1)
  );
}

/** Student-t quantile from the normal one (Cornish-Fisher, two terms): few samples widen the band. */
function tQuantile(p: number, dof: number): number {
  const z = normalQuantile(p);
  return z + (z ** 3 + z) / (4 * dof) + (5 * z ** 5 + 16 * z ** 3 + 3 * z) / (96 * dof * dof);
}

export function sumsOf(samples: readonly TimedValue[]): TrendSums {
  const t0 = samples[0]?.at ?? 0;
  const s: TrendSums = { t0, n: 0, w: 0, st: 0, sv: 0, stt: 0, stv: 0, svv: 0 };
  for (const p of samples) addSample(s, p.at, p.value, 1);
  return s;
}

function addSample(s: TrendSums, at: number, value: number, weight: number): void {
  const t = at - s.t0;
  s.n++;
  s.w += weight;
  s.st += weight * t;
  s.sv += weight * value;
  s.stt += weight * t * t;
  s.stv += weight * t * value;
  s.svv += weight * value * value;
}

/** When the trend reaches `limit` (rising or falling towards it), or null if it is not heading there. */
export function exhaustionFromSums(
  s: TrendSums,
  limit: number,
  now: number,
  opts: ForecastOptions = {},
): Exhaustion | null {
  // With unit weights that decay, the total weight is the effective number of samples.
  const n = s.w;
  if (s.n < 3 || n < 3) return null;
  const tm = s.st / s.w;
  const vm = s.sv / s.w;
  const sxx = s.stt / s.w - tm * tm;
  if (!(sxx > 0)) return null;
  const slope = (s.stv / s.w - tm * vm) / sxx;
  const svv = s.svv / s.w - vm * vm;
  // Residual variance of the fit, with n − 2 degrees of freedom (effective n for weighted sums).
  const resid = Math.max(0, svv - slope * slope * sxx) * (n / (n - 2));
  const nowT = now - s.t0;
  const current = vm + slope * (nowT - tm);
  const m = limit - vm;
  if (slope === 0 || Math.sign(m - slope * (nowT - tm)) !== Math.sign(slope)) return null;
  const x = m / slope;
  const at = s.t0 + tm + x;
  if (opts.horizonMs !== undefined && at - now > opts.horizonMs) return null;
  // Band of the line: ±c·σ·sqrt(1/n + x²/(n·Sxx)); solve (b·x − m)² = k(1/n + x²/(n·sxx)) for its edges.
  const c = tQuantile(1 - (1 - (opts.confidence ?? 0.95)) / 2, n - 2);
  const k = c * c * resid;
  const A = slope * slope - k / (n * sxx);
  const B = -2 * slope * m;
  const C = m * m - k / n;
  let earliest = at;
  let latest = Number.POSITIVE_INFINITY;
  const disc = B * B - 4 * A * C;
  if (A > 0 && disc >= 0) {
    const r1 = (-B - Math.sqrt(disc)) / (2 * A);
    const r2 = (-B + Math.sqrt(disc)) / (2 * A);
    const lo = Math.min(r1, r2);
    const hi = Math.max(r1, r2);
    earliest = Math.max(now, s.t0 + tm + lo);
    latest = s.t0 + tm + hi;
  } else {
    earliest = now;
  }
  return { at, etaMs: at - now, earliest, latest, slope, current, limit, samples: s.n };
}

/** Time to exhaustion from a window of samples (oldest first). */
export function forecastExhaustion(
  samples: readonly TimedValue[],
  limit: number,
  opts: ForecastOptions = {},
): Exhaustion | null {
  const last = samples[samples.length - 1];
  if (!last) return null;
  return exhaustionFromSums(sumsOf(samples), limit, opts.now ?? last.at, opts);
}

/**
 * The same fit kept online with O(1) state: sums decay with a half-life, so the trend follows the recent past
 * (a leak that started an hour ago, not last week's flat line).
 */
export class TrendForecaster {
  private sums: TrendSums | null = null;
  private lastAt = 0;

  constructor(private readonly halfLifeMs: number) {}

  observe(at: number, value: number): void {
    if (!Number.isFinite(value)) return;
    if (!this.sums) this.sums = { t0: at, n: 0, w: 0, st: 0, sv: 0, stt: 0, stv: 0, svv: 0 };
    const s = this.sums;
    const f = 0.5 ** (Math.max(0, at - this.lastAt) / this.halfLifeMs);
    if (s.n > 0) {
      s.w *= f;
      s.st *= f;
      s.sv *= f;
      s.stt *= f;
      s.stv *= f;
      s.svv *= f;
    }
    addSample(s, at, value, 1);
    this.lastAt = at;
  }

  forecast(limit: number, opts: ForecastOptions = {}): Exhaustion | null {
    return this.sums ? exhaustionFromSums(this.sums, limit, opts.now ?? this.lastAt, opts) : null;
  }
}

/** A `forecast` finding: "disk /var full in 5.0h ± 40.0m". */
export function forecastFinding(
  service: string,
  check: string,
  what: string,
  e: Exhaustion,
  now: number,
  criticalWithinMs = 3_600_000,
): Finding {
  const spread = Number.isFinite(e.latest) ? (e.latest - e.earliest) / 2 : Number.POSITIVE_INFINITY;
  const pm = Number.isFinite(spread) ? ` ± ${formatDuration(spread)}` : ' (trend uncertain)';
  const severity: Severity = e.etaMs <= criticalWithinMs ? 'critical' : 'warning';
  return {
    id: newId('fnd'),
    service,
    check,
    kind: 'forecast',
    severity,
    // Closer and surer is more urgent: a narrow band an hour away outranks a wide one a day away.
    score:
      Math.min(1, criticalWithinMs / Math.max(criticalWithinMs, e.etaMs)) *
      (Number.isFinite(spread) ? 1 : 0.5),
    summary: `${what} in ${formatDuration(Math.max(0, e.etaMs))}${pm}`,
    evidence: { ...e, now },
    at: now,
  };
}
