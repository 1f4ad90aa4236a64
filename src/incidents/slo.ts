import type { ProbeRecord } from '../store/index.js';

/**
 * Service level objectives over probe results, after Google's SRE workbook: the SLI is the share of good
 * probe results in the window, the error budget is what the objective leaves (1 − objective), and the burn
 * rate is how fast the budget goes (1 = exactly spent by the end of the window).
 */
export interface SloObjective {
  service: string;
  /** Share of probe results that must be good (answered at all), e.g. 0.999. */
  availability: number;
  /** Share of answered probes that must be faster than `thresholdMs`. */
  latency?: { thresholdMs: number; objective: number };
  /** The SLO's window (default 30 days). */
  windowMs?: number;
}

export interface SliStatus {
  total: number;
  good: number;
  /** good / total; 1 with no data (nothing observed failed). */
  sli: number;
  objective: number;
  /** Share of the error budget still unspent: 1 untouched, 0 spent, negative overspent. */
  budgetRemaining: number;
  met: boolean;
}

export interface BurnRule {
  name: string;
  severity: 'page' | 'ticket';
  longMs: number;
  shortMs: number;
  /** Fires when the burn rate over both windows is at least this. */
  factor: number;
}

/** The workbook's multiwindow, multi-burn-rate alerts for a 30-day SLO. */
export const DEFAULT_BURN_RULES: readonly BurnRule[] = [
  { name: '2% of budget in 1h', severity: 'page', longMs: 3_600_000, shortMs: 300_000, factor: 14.4 },
  { name: '5% of budget in 6h', severity: 'page', longMs: 21_600_000, shortMs: 1_800_000, factor: 6 },
  { name: '10% of budget in 1d', severity: 'ticket', longMs: 86_400_000, shortMs: 7_200_000, factor: 3 },
  { name: '10% of budget in 3d', severity: 'ticket', longMs: 259_200_000, shortMs: 21_600_000, factor: 1 },
];

export interface BurnAlert {
  rule: string;
  severity: 'page' | 'ticket';
  longRate: number;
  shortRate: number;
  factor: number;
}

export interface SloStatus {
  service: string;
  windowMs: number;
  availability: SliStatus;
  latency: SliStatus | null;
  /** Availability burn rate over each rule's long window, keyed by its length in ms. */
  burnRates: { windowMs: number; rate: number }[];
  alerts: BurnAlert[];
}

const DEFAULT_WINDOW = 30 * 86_400_000;

/**
 * An answer counts as available even when degraded (it answered, slowly or out of bounds): slowness is the
 * latency SLI's business, so one slow minute is not charged to both budgets.
 */
const available = (p: ProbeRecord) => p.result.ok || p.result.degraded === true;

export function evaluateSlo(
  objective: SloObjective,
  probes: readonly ProbeRecord[],
  now: number,
  rules: readonly BurnRule[] = DEFAULT_BURN_RULES,
): SloStatus {
  const windowMs = objective.windowMs ?? DEFAULT_WINDOW;
  const mine = probes.filter((p) => p.service === objective.service && p.at <= now);
  const inWindow = mine.filter((p) => now - p.at < windowMs);
  const availability = sli(inWindow.length, inWindow.filter(available).length, objective.availability);
  let latency: SliStatus | null = null;
  if (objective.latency) {
    const { thresholdMs, objective: target } = objective.latency;
    const answered = inWindow.filter(available);
    latency = sli(answered.length, answered.filter((p) => p.result.latencyMs <= thresholdMs).length, target);
  }
  const rate = (ms: number) =>
    burnRate(
      mine.filter((p) => now - p.at < ms),
      objective.availability,
    );
  const windows = [...new Set(rules.flatMap((r) => [r.longMs, r.shortMs]))].sort((a, b) => a - b);
  const rates = new Map(windows.map((w) => [w, rate(w)]));
  const alerts: BurnAlert[] = [];
  for (const r of rules) {
    const longRate = rates.get(r.longMs) ?? 0;
    const shortRate = rates.get(r.shortMs) ?? 0;
    // The short window makes the alert stop soon after the burning does, instead of an hour later.
    if (longRate >= r.factor && shortRate >= r.factor) {
      alerts.push({ rule: r.name, severity: r.severity, longRate, shortRate, factor: r.factor });
    }
  }
  return {
    service: objective.service,
    windowMs,
    availability,
    latency,
    burnRates: rules.map((r) => ({ windowMs: r.longMs, rate: rates.get(r.longMs) ?? 0 })),
    alerts,
  };
}

/** Error rate over the samples divided by the budget's error rate; 0 with no samples. */
export function burnRate(samples: readonly ProbeRecord[], objective: number): number {
  if (samples.length === 0) return 0;
  const bad = samples.filter((p) => !available(p)).length;
  const budget = 1 - objective;
  if (budget <= 0) return bad > 0 ? Number.POSITIVE_INFINITY : 0;
  return round(bad / samples.length / budget);
}

function sli(total: number, good: number, objective: number): SliStatus {
  const value = total === 0 ? 1 : good / total;
  const budget = 1 - objective;
  const consumed = budget <= 0 ? (value < 1 ? Number.POSITIVE_INFINITY : 0) : (1 - value) / budget;
  return {
    total,
    good,
    sli: round(value, 6),
    objective,
    budgetRemaining: round(1 - consumed),
    met: value >= objective,
  };
}

function round(x: number, digits = 4): number {
  if (!Number.isFinite(x)) return x;
  const f = 10 ** digits;
  return Math.round(x * f) / f;
}
