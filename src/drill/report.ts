/** What one injection of a fault led to. */
export interface DrillRun {
  fault: string;
  run: number;
  /** The service the fault was injected into. */
  service: string;
  /** When the fault was injected (epoch ms): `medic report` measures detection and recovery from it. */
  injected_at: number;
  /** Medic reported a finding (on any service) after the injection. */
  detected: boolean;
  /** The first finding: `service/check:kind`. */
  detected_by: string | null;
  /** Whether a finding of the kind the fault should be seen as (e.g. `forecast` for a leak) came; null: any. */
  detected_as_expected: boolean | null;
  /** Every distinct `service/check:kind` reported during the run. */
  findings: string[];
  /** Every incident of the run resolved and every service healthy again, with no human and no drill undo. */
  healed: boolean;
  /** Medic escalated (gave the service to a human) during the run. */
  escalated: boolean;
  /** Restarts Medic ran on the service at fault, and the gaps between their starts (backoff shows here). */
  restarts: number;
  restart_gaps_ms: number[];
  /** `policy.max_failed_heals`: the most failed heals before Medic must escalate. */
  cap: number;
  /** The run ended as the fault should: healed, or (for a fault no restart fixes) escalated within the cap. */
  ok: boolean;
  /** The service the run's incidents name as root cause (null when they disagree or name none). */
  root_cause: string | null;
  /** The cause diagnosed for the service at fault (`unknown`: no rule matched; null: never diagnosed). */
  cause: string | null;
  /** The causes a right diagnosis of this fault names (the fault's `expectCause`). */
  cause_expected: string[];
  /**
   * Every incident of the run names the service the fault was injected into as its root cause, and the cause
   * diagnosed for that service is one the fault expects.
   */
  root_cause_ok: boolean;
  mttd_ms: number | null;
  mttr_ms: number | null;
  /** Actions Medic took during the run (all services). */
  actions: number;
  /** Of those, actions on a service other than the one at fault. */
  collateral_actions: number;
  /** The first incident the run opened (and all of them). */
  incident: string | null;
  incidents: string[];
  note?: string;
}

export interface DrillSummary {
  fault: string;
  runs: number;
  detected: number;
  healed: number;
  ok: number;
  root_cause_ok: number;
  mttd_median_ms: number | null;
  mttd_worst_ms: number | null;
  mttr_median_ms: number | null;
  mttr_worst_ms: number | null;
  actions: number;
  collateral_actions: number;
}

/** One fault of `drill all`, as `--json` prints it: booleans hold only when they held in every run. */
export interface FaultReport {
  fault: string;
  service: string | null;
  runs: number;
  detected: boolean;
  healed: boolean;
  ok: boolean;
  root_cause_ok: boolean;
  /** The causes diagnosed for the service at fault, over the runs (null: a run never diagnosed it). */
  causes: (string | null)[];
  mttd_ms: { median: number | null; worst: number | null };
  mttr_ms: { median: number | null; worst: number | null };
  actions: number;
  collateral_actions: number;
  detected_by: string[];
  detected_as_expected: boolean | null;
  /** Why the fault was not run against this config (a service or environment it needs is missing). */
  skipped?: string;
  notes: string[];
  results: DrillRun[];
}

export function median(xs: number[]): number | null {
  if (xs.length === 0) return null;
  const s = [...xs].sort((a, b) => a - b);
  const mid = Math.floor(s.length / 2);
  return s.length % 2 === 1 ? s[mid]! : Math.round((s[mid - 1]! + s[mid]!) / 2);
}

function worst(xs: number[]): number | null {
  return xs.length ? Math.max(...xs) : null;
}

export function summarize(fault: string, runs: DrillRun[]): DrillSummary {
  const mttd = runs.flatMap((r) => (r.mttd_ms === null ? [] : [r.mttd_ms]));
  const mttr = runs.flatMap((r) => (r.mttr_ms === null ? [] : [r.mttr_ms]));
  return {
    fault,
    runs: runs.length,
    detected: runs.filter((r) => r.detected).length,
    healed: runs.filter((r) => r.healed).length,
    ok: runs.filter((r) => r.ok).length,
    root_cause_ok: runs.filter((r) => r.root_cause_ok).length,
    mttd_median_ms: median(mttd),
    mttd_worst_ms: worst(mttd),
    mttr_median_ms: median(mttr),
    mttr_worst_ms: worst(mttr),
    actions: runs.reduce((n, r) => n + r.actions, 0),
    collateral_actions: runs.reduce((n, r) => n + r.collateral_actions, 0),
  };
}

export function faultReport(
  fault: string,
  service: string | null,
  runs: DrillRun[],
  skipped?: string,
): FaultReport {
  const s = summarize(fault, runs);
  const every = (n: number) => runs.length > 0 && n === runs.length;
  const expected = runs.map((r) => r.detected_as_expected);
  return {
    fault,
    service,
    runs: runs.length,
    detected: every(s.detected),
    healed: every(s.healed),
    ok: every(s.ok),
    root_cause_ok: every(s.root_cause_ok),
    causes: [...new Set(runs.map((r) => r.cause))],
    mttd_ms: { median: s.mttd_median_ms, worst: s.mttd_worst_ms },
    mttr_ms: { median: s.mttr_median_ms, worst: s.mttr_worst_ms },
    actions: s.actions,
    collateral_actions: s.collateral_actions,
    detected_by: [...new Set(runs.flatMap((r) => (r.detected_by ? [r.detected_by] : [])))],
    detected_as_expected: expected.includes(null) || runs.length === 0 ? null : expected.every(Boolean),
    ...(skipped ? { skipped } : {}),
    notes: [...new Set(runs.flatMap((r) => (r.note ? [r.note] : [])))],
    results: runs,
  };
}

const ms = (v: number | null) => (v === null ? '-' : `${v} ms`);
const ratio = (n: number, of: number) => `${n}/${of}`;

/** The table `medic drill` prints: one row per fault. */
export const TABLE_HEADERS = [
  'FAULT',
  'SERVICE',
  'RUNS',
  'DETECTED',
  'HEALED',
  'OK',
  'ROOT CAUSE OK',
  'CAUSE',
  'MTTD median',
  'MTTD worst',
  'MTTR median',
  'MTTR worst',
  'ACTIONS',
  'COLLATERAL',
  'DETECTED BY',
];

export function tableRow(r: FaultReport): (string | number)[] {
  if (r.skipped)
    return [
      r.fault,
      r.service ?? '-',
      0,
      '-',
      '-',
      '-',
      '-',
      '-',
      '-',
      '-',
      '-',
      '-',
      '-',
      `skipped: ${r.skipped}`,
    ];
  const s = summarize(r.fault, r.results);
  return [
    r.fault,
    r.service ?? '-',
    s.runs,
    ratio(s.detected, s.runs),
    ratio(s.healed, s.runs),
    ratio(s.ok, s.runs),
    ratio(s.root_cause_ok, s.runs),
    r.causes.map((c) => c ?? 'none').join(' ') || '-',
    ms(s.mttd_median_ms),
    ms(s.mttd_worst_ms),
    ms(s.mttr_median_ms),
    ms(s.mttr_worst_ms),
    s.actions,
    s.collateral_actions,
    r.detected_by.join(' ') || '-',
  ];
}
