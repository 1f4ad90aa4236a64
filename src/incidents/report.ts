import type { Action, AuditEntry, Finding, Incident, Outcome, TimelineEntry } from '../core/index.js';
import type { ProbeRecord } from '../store/index.js';
import { countEscalations, type EscalationCounts, type SentNotification } from './report-escalations.js';
import { waitedForHuman } from './report-human.js';
import { type SecurityReport, summarizeSecurity } from './report-security.js';
import { intersect, type Span, unionLength, watchedSpans } from './report-watch.js';
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
  /**
   * The audit log up to `until` (Medic's own entries too, and lifecycle entries from before `since`): when
   * Medic was watching (`medic.started`/`medic.stopped`), escalations, the guard's holds, and what people did.
   */
  audit?: readonly AuditEntry[];
  /** Stored notifications (the outbox): escalation messages actually sent. */
  notifications?: readonly SentNotification[];
  /**
   * Services other than its own whose findings an incident holds, with the first finding's time: a dependent
   * held in its upstream's incident (its heal waits for the upstream's) is down meanwhile too.
   */
  members?: Readonly<Record<string, readonly { service: string; at: number }[]>>;
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
  /** Findings of the window, for the security section (abuse, vulnerable, drift). */
  findings?: readonly Finding[];
  /** Steps of the window for the security section, with those of no incident (a ban lifted by hand); default `actions`. */
  securityActions?: readonly Action[];
}

export interface Report {
  since: number;
  until: number;
  /** How long Medic was watching inside the window: uptime is a share of this. */
  watchedMs: number;
  /** By final state: `escalated` counts incidents still waiting for a human at the end. */
  incidents: { total: number; resolved: number; escalated: number; suppressed: number; open: number };
  /** Escalations as they happened (an incident escalated then fixed by a person counts). */
  escalations: EscalationCounts;
  /** Mean time from the fault (or first failing probe) to the incident opening; null with no sample. */
  mttdMs: number | null;
  mttdSamples: number;
  /** Mean time from opening to resolution of resolved incidents. */
  mttrMs: number | null;
  /** Resolved incidents a playbook healed while nobody was waited on (no approval, reset, resume, lift). */
  healedWithoutHuman: { count: number; share: number };
  /** Healed by a playbook, but only after a person approved, reset, resumed healing or lifted a silence. */
  healedAfterHuman: number;
  falseAlarms: { count: number; share: number };
  /** Downtime counts only while Medic watched; uptime is null for a service nobody watched. */
  byService: {
    service: string;
    incidents: number;
    downtimeMs: number;
    uptime: number | null;
    cost: number;
  }[];
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
  security: SecurityReport;
}

export function buildReport(input: ReportInput): Report {
  const { since, until } = input;
  const incidents = input.incidents.filter((i) => i.openedAt < until && endOf(i, until) >= since);
  const count = (s: Incident['state']) => incidents.filter((i) => i.state === s).length;
  const resolved = incidents.filter((i) => i.state === 'resolved' && i.resolvedAt !== null);

  const detections = incidents.map((i) => detectionMs(i, input)).filter((d): d is number => d !== null);
  const actionsOf = groupBy(input.actions ?? [], (a) => a.incidentId ?? '');
  const outcomesOf = groupBy(input.outcomes, (o) => o.incidentId ?? '');

  const audit = input.audit ?? [];
  const healedBy = resolved.filter((i) => (outcomesOf.get(i.id) ?? []).some((o) => o.success));
  const waited = healedBy.filter((i) =>
    waitedForHuman(i, actionsOf.get(i.id) ?? [], audit, i.resolvedAt ?? until),
  );
  const healed = healedBy.filter((i) => !waited.includes(i));
  const falseAlarmMs = input.falseAlarmMs ?? 60_000;
  // A suppressed incident was merged into another (a dependent failing because of its upstream): real
  // trouble, counted in the incident that took it, never a false alarm.
  const falseAlarms = incidents.filter(
    (i) =>
      i.state === 'resolved' &&
      i.resolvedAt !== null &&
      i.resolvedAt - i.openedAt <= falseAlarmMs &&
      (actionsOf.get(i.id) ?? []).length === 0 &&
      (outcomesOf.get(i.id) ?? []).length === 0,
  );

  const watched = watchedSpans(audit, since, until);
  const watchedMs = unionLength(watched);
  const downSpans = downSpansByService(incidents, input.members ?? {}, until);
  const byService = [...downSpans.keys()].sort().map((service) => {
    const downtimeMs = unionLength(intersect(downSpans.get(service) ?? [], watched));
    const cost = round2((downtimeMs / 60_000) * (input.costPerMinute?.[service] ?? 0));
    const own = incidents.filter((i) => i.service === service && i.state !== 'suppressed').length;
    const uptime = watchedMs === 0 ? null : round6(1 - downtimeMs / watchedMs);
    return { service, incidents: own, downtimeMs, uptime, cost };
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
    watchedMs,
    incidents: {
      total: incidents.length,
      resolved: count('resolved'),
      escalated: count('escalated'),
      suppressed: count('suppressed'),
      open: incidents.length - count('resolved') - count('escalated') - count('suppressed'),
    },
    escalations: countEscalations(since, until, audit, input.timelines ?? {}, input.notifications ?? []),
    mttdMs: mean(detections),
    mttdSamples: detections.length,
    // From the fault when it is known (a drill knows), else from the incident opening.
    mttrMs: mean(resolved.map((i) => i.resolvedAt! - (faultOf(i, input)?.at ?? i.openedAt))),
    healedWithoutHuman: { count: healed.length, share: share(healed.length, incidents.length) },
    healedAfterHuman: waited.length,
    falseAlarms: { count: falseAlarms.length, share: share(falseAlarms.length, incidents.length) },
    byService,
    byCause: [...causes]
      .map(([cause, n]) => ({ cause, incidents: n }))
      .sort((a, b) => b.incidents - a.incidents || a.cause.localeCompare(b.cause)),
    playbooks,
    slos: (input.slos ?? []).map((o) => evaluateSlo(o, input.probes ?? [], until)),
    totalCost: round2(byService.reduce((s, x) => s + x.cost, 0)),
    security: summarizeSecurity(
      since,
      until,
      input.findings ?? [],
      input.securityActions ?? input.actions ?? [],
    ),
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

/**
 * When each service was down: every incident it belongs to, from its first finding there until the incident
 * ended, whatever held the heal meanwhile (a flapping delay, a backoff, an escalation, a silence). An incident
 * merged into another ended when merged (`updatedAt`); its findings and their times moved with it, so the
 * service stays down in the incident that took them.
 */
function downSpansByService(
  incidents: readonly Incident[],
  members: Readonly<Record<string, readonly { service: string; at: number }[]>>,
  until: number,
): Map<string, Span[]> {
  const out = new Map<string, Span[]>();
  const add = (service: string, span: Span) => out.set(service, [...(out.get(service) ?? []), span]);
  for (const i of incidents) {
    const end = endOf(i, until);
    add(i.service, [i.openedAt, end]);
    for (const m of members[i.id] ?? []) if (m.service !== i.service) add(m.service, [m.at, end]);
  }
  return out;
}

/** When an incident stopped holding its service: resolved, merged into another (suppressed), or not yet. */
function endOf(i: Incident, until: number): number {
  return i.resolvedAt ?? (i.state === 'suppressed' ? i.updatedAt : until);
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
