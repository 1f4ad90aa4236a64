import type { ChaosStep } from './chaos-plan.js';
import type { SilentStretch } from './chaos-watch.js';

/** What one fault of a chaos run led to. */
export interface ChaosFaultReport {
  /** Its place in the plan. */
  n: number;
  fault: string;
  service: string;
  kind: ChaosStep['kind'];
  /** The step it repeats or pairs with. */
  of: number | null;
  /** When it was injected (epoch ms), and in ms from the start of the run. */
  injected_at: number;
  at_ms: number;
  /** False when it could not be injected (the service was not running, a switch did not answer): see note. */
  injected: boolean;
  /** The service was already failing (an earlier fault) when this one came. */
  already_failing: boolean;
  /** A finding on the service, or on one that depends on it, after the injection. */
  detected: boolean;
  detected_by: string | null;
  /** The service healthy again with no incident left open and no heal running, with no human. */
  healed: boolean;
  /** Medic gave it to a human; `notified`: the escalation went to a notifier. */
  escalated: boolean;
  notified: boolean;
  /** Healed, or escalated with a notification sent (for a fault whose right ending is an escalation: that). */
  ok: boolean;
  /** The root services the incidents covering it name, and the cause diagnosed for this service. */
  root_cause: string | null;
  cause: string | null;
  cause_expected: string[];
  /**
   * The fault whose expected cause the diagnosis named: this one (its own n), a faulted upstream's the
   * diagnosis named as the one to act on, or another fault on this service at the same time; null: none.
   */
  cause_of: number | null;
  /** The root is this service (or a faulted upstream of it), and the cause is one a fault in force expects. */
  root_cause_ok: boolean;
  mttd_ms: number | null;
  mttr_ms: number | null;
  /** Actions on this service while the fault was on it. */
  actions: number;
  /** Actions on services no fault touched, taken while this fault was the latest one in force. */
  collateral_actions: number;
  /** Seconds this service was unhealthy with no heal running or due and nobody told, while the fault was on. */
  silent_down_s: number;
  incidents: string[];
  note?: string;
}

export interface ChaosSummary {
  seed: number;
  duration_ms: number;
  planned: number;
  faults: number;
  not_injected: number;
  detected: number;
  healed: number;
  escalated_notified: number;
  ok: number;
  root_cause_ok: number;
  collateral_actions: number;
  /** Over every service, the whole run. */
  silent_down_s: number;
  mttd_median_ms: number | null;
  mttr_median_ms: number | null;
  /** Every injected fault healed or escalated with a notification, and no silent down time. */
  passed: boolean;
}

export interface ChaosReport {
  summary: ChaosSummary;
  faults: ChaosFaultReport[];
  /** Collateral actions: `service playbook#step kind` at ms from the start. */
  collateral: { at_ms: number; service: string; action: string }[];
  silent: (SilentStretch & { seconds: number })[];
  /** How the silent-time watch was set (see chaos-watch.ts). */
  watch: { grace_ms: number; cap_ms: number; notifies: boolean };
}

const median = (xs: number[]): number | null => {
  if (xs.length === 0) return null;
  const s = [...xs].sort((a, b) => a - b);
  const mid = Math.floor(s.length / 2);
  return s.length % 2 === 1 ? s[mid]! : Math.round((s[mid - 1]! + s[mid]!) / 2);
};

export const seconds = (ms: number) => Math.round(ms / 100) / 10;

export function chaosSummary(
  seed: number,
  durationMs: number,
  planned: number,
  faults: readonly ChaosFaultReport[],
  collateral: number,
  silentMs: number,
): ChaosSummary {
  const injected = faults.filter((f) => f.injected);
  const ok = injected.filter((f) => f.ok).length;
  return {
    seed,
    duration_ms: durationMs,
    planned,
    faults: injected.length,
    not_injected: faults.length - injected.length,
    detected: injected.filter((f) => f.detected).length,
    healed: injected.filter((f) => f.healed).length,
    escalated_notified: injected.filter((f) => !f.healed && f.escalated && f.notified).length,
    ok,
    root_cause_ok: injected.filter((f) => f.root_cause_ok).length,
    collateral_actions: collateral,
    silent_down_s: seconds(silentMs),
    mttd_median_ms: median(injected.flatMap((f) => (f.mttd_ms === null ? [] : [f.mttd_ms]))),
    mttr_median_ms: median(injected.flatMap((f) => (f.mttr_ms === null ? [] : [f.mttr_ms]))),
    passed: ok === injected.length && silentMs === 0,
  };
}

/** The summary line printed at the end. */
export function summaryLine(s: ChaosSummary): string {
  return (
    `chaos seed ${s.seed}, ${seconds(s.duration_ms)} s: ${s.faults} faults (${s.not_injected} not injected), ` +
    `${s.detected} detected, ${s.healed} healed, ${s.escalated_notified} escalated with a notification, ` +
    `root cause right ${s.root_cause_ok}/${s.faults}, collateral actions ${s.collateral_actions}, ` +
    `silent down time ${s.silent_down_s} s, MTTD median ${s.mttd_median_ms ?? '-'} ms, ` +
    `MTTR median ${s.mttr_median_ms ?? '-'} ms: ${s.passed ? 'PASS' : 'FAIL'}`
  );
}

export const CHAOS_HEADERS = [
  '#',
  'AT',
  'FAULT',
  'SERVICE',
  'KIND',
  'DETECTED',
  'ENDED',
  'ROOT CAUSE',
  'CAUSE',
  'OK',
  'MTTD',
  'MTTR',
  'ACTIONS',
  'COLLATERAL',
  'SILENT',
];

export function chaosRow(f: ChaosFaultReport): (string | number)[] {
  const ms = (v: number | null) => (v === null ? '-' : `${v} ms`);
  const ended = !f.injected
    ? `not injected: ${f.note ?? ''}`
    : f.healed
      ? 'healed'
      : f.escalated
        ? f.notified
          ? 'escalated, notified'
          : 'escalated, nobody told'
        : 'neither';
  return [
    f.n,
    `${seconds(f.at_ms)} s`,
    f.fault,
    f.service,
    f.of === null ? f.kind : `${f.kind} of ${f.of}`,
    f.injected ? (f.detected ? 'yes' : 'no') : '-',
    ended,
    f.root_cause ?? '-',
    `${f.cause ?? '-'}${f.root_cause_ok ? (f.cause_of !== null && f.cause_of !== f.n ? ` (of #${f.cause_of})` : '') : ` (want ${f.cause_expected.join('|')})`}`,
    f.injected ? (f.ok ? 'yes' : 'NO') : '-',
    ms(f.mttd_ms),
    ms(f.mttr_ms),
    f.actions,
    f.collateral_actions,
    `${f.silent_down_s} s`,
  ];
}
