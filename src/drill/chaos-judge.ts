import type { Action, Incident } from '../core/index.js';
import type { DependencyGraph } from '../incidents/index.js';
import type { Store } from '../store/index.js';
import { causeOk, diagnosed } from './cause.js';
import type { ChaosStep } from './chaos-plan.js';
import {
  type ChaosFaultReport,
  type ChaosReport,
  chaosSummary,
  seconds,
  summaryLine,
} from './chaos-report.js';
import type { SilenceWatch } from './chaos-watch.js';
import type { Fault, FaultTarget } from './faults/index.js';

/** An action this soon after a fault ended still belongs to it (the heal's last step, a verification). */
const AFTER_MS = 2_000;

/** One fault of the run as it happens. */
export interface Live {
  n: number;
  step: ChaosStep;
  fault: Fault;
  target: FaultTarget | null;
  injectedAt: number;
  injected: boolean;
  note: string | null;
  alreadyFailing: boolean;
  detectedAt: number | null;
  detectedBy: string | null;
  /** An incident covered the service or a dependent of it after the injection: the fault took effect. */
  sawIncident: boolean;
  healedAt: number | null;
  escalatedAt: number | null;
  notified: boolean;
  /** After an escalation and the drill's undo: healthy again (ends the fault's window for actions). */
  recoveredAt: number | null;
  /**
   * Judged of no effect once its process was replaced: it was in force until then (a leak growing unseen
   * by its detector), so a diagnosis of that process may still name it.
   */
  goneAt: number | null;
}

interface Judged {
  plan: ChaosStep[];
  lives: Live[];
  actions: Map<string, Action>;
  incidentIds: Set<string>;
  watch: SilenceWatch;
  graph: DependencyGraph;
  t0: number;
  end: number;
  seed: number;
  durationMs: number;
  notifies: boolean;
  graceMs: number;
  capMs: number;
  onProgress?: (msg: string) => void;
}

/** The report, from what was seen and what the store kept. */
export async function judge(
  store: Pick<Store, 'getIncident' | 'incidentServices' | 'timeline'>,
  j: Judged,
): Promise<ChaosReport> {
  const { lives, graph, end } = j;
  const closedAt = (l: Live) => l.healedAt ?? l.recoveredAt ?? end;
  const incidents = [];
  for (const id of j.incidentIds) {
    const inc = await store.getIncident(id);
    if (inc) incidents.push({ inc, services: await store.incidentServices(id).catch(() => [inc.service]) });
  }
  // An incident merged into another ended then (it has no resolution time of its own).
  const endedAt = (inc: Incident) => inc.resolvedAt ?? (inc.state === 'suppressed' ? inc.updatedAt : end);
  // A fault touched a service from its injection until it healed (or recovered after an escalation).
  const touched = (service: string, at: number) =>
    lives.some(
      (l) => l.injected && l.step.service === service && at >= l.injectedAt && at <= closedAt(l) + AFTER_MS,
    );
  const done = [...j.actions.values()].filter((a) => a.state !== 'skipped' && a.createdAt >= j.t0);
  const collateral = done.filter((a) => !touched(a.service, a.createdAt));
  const blame = new Map<number, number>();
  for (const a of collateral) {
    const latest = lives.filter((l) => l.injected && l.injectedAt <= a.createdAt).at(-1);
    if (latest) blame.set(latest.n, (blame.get(latest.n) ?? 0) + 1);
  }

  const reports: ChaosFaultReport[] = [];
  for (const l of lives.sort((a, b) => a.n - b.n)) {
    const s = l.step.service;
    const until = closedAt(l);
    const covering = incidents.filter(
      ({ inc, services }) => services.includes(s) && inc.openedAt <= until && endedAt(inc) >= l.injectedAt,
    );
    const roots = [...new Set(covering.map(({ inc }) => inc.rootCause ?? inc.service))];
    // A faulted upstream named as the root is right too: both failed, and the upstream comes first.
    const faultedUpstream = (r: string) =>
      graph.upstreamOf(s).has(r) &&
      lives.some(
        (o) => o.injected && o.step.service === r && o.injectedAt <= until && closedAt(o) >= l.injectedAt,
      );
    // A fault on a service already failing is diagnosed on its own when it makes news of its own (a proxy's
    // process killed while it failed through its upstream: that exit's diagnosis, not the one before it);
    // else it joins the incident (and diagnosis) of the trouble already there.
    const ids = covering.map(({ inc }) => inc.id);
    const to = until + AFTER_MS;
    // The service's first heal after the injection: the cause named last before it is the one it acted on.
    const actedAt = done
      .filter((a) => a.service === s && a.createdAt >= l.injectedAt && a.createdAt <= to)
      .reduce<number | undefined>((first, a) => Math.min(first ?? a.createdAt, a.createdAt), undefined);
    let { cause, target } = l.injected
      ? await diagnosed(store, ids, s, { from: l.injectedAt, to }, actedAt)
      : { cause: null as string | null, target: null as string | null };
    if (l.injected && cause === null && l.alreadyFailing) {
      const from = Math.min(l.injectedAt, ...covering.map(({ inc }) => inc.openedAt));
      ({ cause, target } = await diagnosed(store, ids, s, { from, to }, actedAt));
    }
    const overlapping = (o: Live) =>
      o !== l &&
      (o.injected || o.goneAt !== null) &&
      o.injectedAt <= until &&
      (o.goneAt ?? closedAt(o)) >= l.injectedAt;
    // Whose expected cause the diagnosis named: this fault's; or, when the diagnosis names a faulted upstream
    // as the one to act on, that upstream's fault (the service failed through it: its slowness hidden behind
    // the cache's hang); or another fault on this same service at the same time (a leak and a SIGKILL: one
    // diagnosis of one process, naming one of the two real causes).
    const causeOf = causeOk(l.fault, cause)
      ? l.n
      : (lives.find(
          (o) =>
            overlapping(o) &&
            causeOk(o.fault, cause) &&
            ((target !== null && faultedUpstream(target) && o.step.service === target) ||
              (target === null && o.step.service === s)),
        )?.n ?? null);
    const healed = l.healedAt !== null;
    const escalated = l.escalatedAt !== null;
    const ok = !l.injected
      ? false
      : l.fault.outcome === 'escalated'
        ? escalated && l.notified
        : healed || (escalated && l.notified);
    reports.push({
      n: l.n,
      fault: l.fault.name,
      service: s,
      kind: l.step.kind,
      of: l.step.of ?? null,
      injected_at: l.injectedAt,
      at_ms: l.injectedAt - j.t0,
      injected: l.injected,
      already_failing: l.alreadyFailing,
      detected: l.detectedAt !== null,
      detected_by: l.detectedBy,
      healed,
      escalated,
      notified: l.notified,
      ok,
      root_cause: roots.length > 0 ? roots.join(',') : null,
      cause,
      cause_expected: [...l.fault.expectCause],
      cause_of: causeOf,
      root_cause_ok:
        l.injected &&
        roots.length > 0 &&
        roots.every((r) => r === s || faultedUpstream(r)) &&
        causeOf !== null,
      mttd_ms: l.detectedAt === null ? null : l.detectedAt - l.injectedAt,
      mttr_ms: l.healedAt === null ? null : l.healedAt - l.injectedAt,
      actions: done.filter(
        (a) => a.service === s && a.createdAt >= l.injectedAt && a.createdAt <= until + AFTER_MS,
      ).length,
      collateral_actions: blame.get(l.n) ?? 0,
      silent_down_s: seconds(j.watch.silentMs(s, l.injectedAt, until)),
      incidents: covering.map(({ inc }) => inc.id),
      ...(l.note
        ? { note: l.note }
        : !healed && !escalated
          ? { note: `neither healed nor escalated by the end of the run` }
          : {}),
    });
  }
  const summary = chaosSummary(
    j.seed,
    j.durationMs,
    j.plan.length,
    reports,
    collateral.length,
    j.watch.silentMs(null),
  );
  j.onProgress?.(summaryLine(summary));
  return {
    summary,
    faults: reports,
    collateral: collateral.map((a) => ({
      at_ms: a.createdAt - j.t0,
      service: a.service,
      action: `${a.playbook}#${a.step} ${a.kind}`,
    })),
    silent: j.watch.stretches.map((x) => ({ ...x, seconds: seconds(x.to - x.from) })),
    watch: { grace_ms: j.graceMs, cap_ms: j.capMs, notifies: j.notifies },
  };
}
