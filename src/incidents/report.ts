import type { Action, AuditEntry, Incident, Outcome, TimelineEntry } from '../core/index.js';
import type { ProbeRecord } from '../store/index.js';
import { evaluateSlo, type SloObjective, type SloStatus } from './slo.js';

/**
 * What `medic report` computes, from rows the store already has. Every input is a plain array so a report can
 * come from the store, from a drill's own records, or from a test.
 */
export interface ReportInput {
  since: number;
  until: number;
  /** Incidents opened in [since, until) or still open then. */
  incidents: readonly Incident[];
  outcomes: readonly Outcome[];
  actions?: readonly Action[];
  /** Entries by an actor other than Medic on an incident or its actions mean a human stepped in. */
  audit?: readonly AuditEntry[];
  /** Timeline per incident: `diagnosis` entries carry `data.cause`. */
  timelines?: Readonly<Record<string, readonly TimelineEntry[]>>;
  /** Probe results, for detection times and SLOs. */
  probes?: readonly ProbeRecord[];
  /** When faults began, if known (a drill knows): detection time is measured from these. */
  faults?: readonly { service: string; at: number }[];
  slos?: readonly SloObjective[];
  /** Cost of a minute of downtime per service. */
  costPerMinute?: Readonly<Record<string, number>>;
  /** An incident closed this fast with no action taken counts as a false alarm (default 60 s). */
  falseAlarmMs?: number;
}

export interface Report {
  since: number;
  until: number;
  incidents: { total: number; resolved: number; escalated: number; suppressed: number; open: number };
  /** Mean time from the fault (or first failing probe) to the incident opening; null with no sample. */
  mttdMs: number | null;
  mttdSamples: number;
  /** Mean time from opening to resolution of resolved incidents. */
  mttrMs: number | null;
  healedWithoutHuman: { count: number; share: number };
  falseAlarms: { count: number; share: number };
  byService: { service: string; incidents: number; downtimeMs: number; uptime: number; cost: number }[];
  byCause: { cause: string; incidents: number }[];
  playbooks: {
    playbook: string;
    runs: number;
    successes: number;
    successRate: number;
    medianHealMs: number | null;
  }[];
  slos: SloStatus[];
  totalCost: number;
}

export function buildReport(input: ReportInput): Report {
  const { since, until } = input;
  const incidents = input.incidents.filter((i) => i.openedAt < until && (i.resolvedAt ?? until) >= since);
  const count = (s: Incident['state']) => incidents.filter((i) => i.state === s).length;
  const resolved = incidents.filter((i) => i.state === 'resolved' && i.resolvedAt !== null);

  const detections = incidents.map((i) => detectionMs(i, input)).filter((d): d is number => d !== null);
  const actionsOf = groupBy(input.actions ?? [], (a) => a.incidentId ?? '');
  const outcomesOf = groupBy(input.outcomes, (o) => o.incidentId ?? '');

  const humanTouched = (i: Incident) => {
    const subjects = new Set([i.id, ...(actionsOf.get(i.id) ?? []).map((a) => a.id)]);
    return (input.audit ?? []).some((e) => e.actor !== 'medic' && subjects.has(e.subject));
  };
  const healed = resolved.filter(
    (i) => (outcomesOf.get(i.id) ?? []).some((o) => o.success) && !humanTouched(i),
  );
  const falseAlarmMs = input.falseAlarmMs ?? 60_000;
  const falseAlarms = incidents.filter(
    (i) =>
      i.state === 'suppressed' ||
      (i.state === 'resolved' &&
        i.resolvedAt !== null &&
        i.resolvedAt - i.openedAt <= falseAlarmMs &&
        (actionsOf.get(i.id) ?? []).length === 0 &&
        (outcomesOf.get(i.id) ?? []).length === 0),
  );

  const span = Math.max(1, until - since);
  const services = [...new Set(incidents.map((i) => i.service))].sort();
  const byService = services.map((service) => {
    const mine = incidents.filter((i) => i.service === service && i.state !== 'suppressed');
    const downtimeMs = unionLength(
      mine.map((i) => [Math.max(since, i.openedAt), Math.min(until, i.resolvedAt ?? until)]),
    );
    const cost = round2((downtimeMs / 60_000) * (input.costPerMinute?.[service] ?? 0));
    return { service, incidents: mine.length, downtimeMs, uptime: round6(1 - downtimeMs / span), cost };
  });

  const causes = new Map<string, number>();
  for (const i of incidents) causes.set(causeOf(i, input), (causes.get(causeOf(i, input)) ?? 0) + 1);

  const playbooks = [
    ...groupBy(
      input.outcomes.filter((o) => o.at >= since && o.at < until),
      (o) => o.playbook,
    ),
  ]
    .map(([playbook, runs]) => {
      const successes = runs.filter((o) => o.success);
      return {
        playbook,
        runs: runs.length,
        successes: successes.length,
        successRate: round6(successes.length / runs.length),
        medianHealMs: median(successes.map((o) => o.healMs).filter((x): x is number => x !== null)),
      };
    })
    .sort((a, b) => b.runs - a.runs || a.playbook.localeCompare(b.playbook));

  return {
    since,
    until,
    incidents: {
      total: incidents.length,
      resolved: count('resolved'),
      escalated: count('escalated'),
      suppressed: count('suppressed'),
      open: incidents.length - count('resolved') - count('escalated') - count('suppressed'),
    },
    mttdMs: mean(detections),
    mttdSamples: detections.length,
    // From the fault when it is known (a drill knows), else from the incident opening.
    mttrMs: mean(resolved.map((i) => i.resolvedAt! - (faultOf(i, input)?.at ?? i.openedAt))),
    healedWithoutHuman: { count: healed.length, share: share(healed.length, incidents.length) },
    falseAlarms: { count: falseAlarms.length, share: share(falseAlarms.length, incidents.length) },
    byService,
    byCause: [...causes]
      .map(([cause, n]) => ({ cause, incidents: n }))
      .sort((a, b) => b.incidents - a.incidents || a.cause.localeCompare(b.cause)),
    playbooks,
    slos: (input.slos ?? []).map((o) => evaluateSlo(o, input.probes ?? [], until)),
    totalCost: round2(byService.reduce((s, x) => s + x.cost, 0)),
  };
}

/**
 * Detection time of one incident: from the fault on its service that preceded it, else from
 * the start of the failing streak its probes show; null when neither is known (a process exit is seen at once).
 */
function detectionMs(i: Incident, input: ReportInput): number | null {
  const fault = faultOf(i, input);
  if (fault) return i.openedAt - fault.at;
  const byCheck = groupBy(
    (input.probes ?? []).filter((p) => p.service === i.service && p.at <= i.openedAt),
    (p) => p.check,
  );
  let start: number | null = null;
  for (const probes of byCheck.values()) {
    const sorted = [...probes].sort((a, b) => a.at - b.at);
    let k = sorted.length - 1;
    while (k >= 0 && !sorted[k]!.result.ok) k--;
    const first = sorted[k + 1];
    if (first && (start === null || first.at < start)) start = first.at;
  }
  return start === null ? null : i.openedAt - start;
}

/** The diagnosis the timeline recorded, else the cause an outcome names, else unknown. */
function causeOf(i: Incident, input: ReportInput): string {
  const diag = (input.timelines?.[i.id] ?? []).filter(
    (e) => e.kind === 'diagnosis' && typeof e.data['cause'] === 'string',
  );
  const last = diag.at(-1);
  if (last) return last.data['cause'] as string;
  const o = input.outcomes.find((x) => x.incidentId === i.id && x.cause !== 'unknown');
  return o?.cause ?? 'unknown';
}

function unionLength(intervals: [number, number][]): number {
  const sorted = intervals.filter(([a, b]) => b > a).sort((x, y) => x[0] - y[0]);
  let total = 0;
  let end = Number.NEGATIVE_INFINITY;
  for (const [a, b] of sorted) {
    if (b <= end) continue;
    total += b - Math.max(a, end);
    end = b;
  }
  return total;
}

function groupBy<T>(items: readonly T[], key: (t: T) => string): Map<string, T[]> {
  const out = new Map<string, T[]>();
  for (const t of items) out.set(key(t), [...(out.get(key(t)) ?? []), t]);
  return out;
}

const mean = (xs: number[]) =>
  xs.length === 0 ? null : Math.round(xs.reduce((s, x) => s + x, 0) / xs.length);
const share = (n: number, of: number) => (of === 0 ? 0 : round6(n / of));
const round2 = (x: number) => Math.round(x * 100) / 100;
const round6 = (x: number) => Math.round(x * 1e6) / 1e6;

function median(xs: number[]): number | null {
  if (xs.length === 0) return null;
  const s = [...xs].sort((a, b) => a - b);
  const mid = Math.floor(s.length / 2);
  return s.length % 2 === 1 ? s[mid]! : Math.round((s[mid - 1]! + s[mid]!) / 2);
}

/** The fault that started this incident: the latest on its service before it opened, unless an earlier
 * incident of the service already followed that fault (a fault belongs to the first incident after it). */
function faultOf(i: Incident, input: ReportInput): { service: string; at: number } | undefined {
  return (input.faults ?? [])
    .filter((f) => f.service === i.service && f.at <= i.openedAt)
    .filter(
      (f) =>
        !input.incidents.some(
          (o) => o.service === i.service && o.openedAt >= f.at && o.openedAt < i.openedAt,
        ),
    )
    .sort((a, b) => b.at - a.at)[0];
}
