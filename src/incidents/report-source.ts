/** Reports and topology suggestions from what the store already holds. */
import type { MedicConfig } from '../config/index.js';
import { checkName } from '../config/index.js';
import type { Finding, TimelineEntry } from '../core/index.js';
import type { ProbeRecord, Store } from '../store/index.js';
import { buildReport, type Report } from './report.js';
import type { SloObjective } from './slo.js';
import { CoOccurrenceLearner, DependencyGraph, type TopologySuggestion } from './topology.js';

const ALL = 1_000_000;

/** `medic report` for [since, until): incidents, outcomes, actions, human touches, timelines, SLOs, cost. */
export async function reportFromStore(
  store: Store,
  config: MedicConfig,
  since: number,
  until: number,
): Promise<Report> {
  const { items: incidents } = await store.listIncidents({ since, until });
  const ids = new Set(incidents.map((i) => i.id));
  const outcomes = (await store.listOutcomes({ limit: ALL })).filter(
    (o) => (o.incidentId !== null && ids.has(o.incidentId)) || (o.at >= since && o.at < until),
  );
  const allActions = (await store.listActions({ limit: ALL })).items;
  const actions = allActions.filter((a) => a.incidentId !== null && ids.has(a.incidentId));
  const securityActions = allActions.filter((a) => a.createdAt >= since && a.createdAt < until);
  const findings = (await store.listFindings({ limit: ALL })).filter((f) => f.at >= since && f.at < until);
  // Medic's own entries too (escalations, the guard's holds), and its starts and stops before the window:
  // whether it was watching when the window began.
  const audit = (await store.listAudit({ limit: ALL })).filter((e) => e.at < until);
  const inRange = audit.filter((e) => e.at >= since);
  // A drill records when it broke what: detection and recovery are then measured from the fault itself.
  const faults = inRange
    .filter((e) => e.event === 'drill.run')
    .flatMap((e) => {
      const { service, injected_at: at } = e.data as { service?: unknown; injected_at?: unknown };
      return typeof service === 'string' && typeof at === 'number' ? [{ service, at }] : [];
    });
  const timelines: Record<string, TimelineEntry[]> = {};
  const members: Record<string, { service: string; at: number }[]> = {};
  for (const i of incidents) {
    timelines[i.id] = await store.timeline(i.id);
    members[i.id] = firstFindings(await store.listFindings({ incidentId: i.id }));
  }
  const notifications = (await store.listNotifications({ state: 'delivered', limit: ALL })).items.filter(
    (n) => n.createdAt >= since && n.createdAt < until,
  );
  const slos: SloObjective[] = [];
  const costPerMinute: Record<string, number> = {};
  const probes: ProbeRecord[] = [];
  for (const [service, s] of Object.entries(config.services)) {
    if (!s.slo) continue;
    costPerMinute[service] = s.slo.cost_per_minute;
    slos.push({
      service,
      availability: s.slo.availability,
      windowMs: s.slo.window,
      ...(s.slo.latency
        ? { latency: { thresholdMs: s.slo.latency.threshold, objective: s.slo.latency.objective } }
        : {}),
    });
    const from = Math.min(since, until - s.slo.window);
    for (const [i, c] of s.checks.entries()) {
      const history = await store.probeHistory(service, checkName(c, i), from, ALL);
      probes.push(...history.filter((p) => p.at < until));
    }
  }
  return buildReport({
    since,
    until,
    incidents,
    outcomes,
    actions,
    audit,
    timelines,
    probes,
    slos,
    costPerMinute,
    faults,
    notifications,
    members,
    findings,
    securityActions,
  });
}

/** Each service among the findings, with its first finding's time. */
function firstFindings(findings: readonly Finding[]): { service: string; at: number }[] {
  const first = new Map<string, number>();
  for (const f of findings) first.set(f.service, Math.min(f.at, first.get(f.service) ?? f.at));
  return [...first].map(([service, at]) => ({ service, at }));
}

/** The config's dependency graph, its cycles, and links the findings suggest but the config lacks. */
export async function topologyFromStore(
  store: Store,
  config: MedicConfig,
  opts: { windowMs?: number; minTogether?: number; minScore?: number } = {},
): Promise<{
  services: { name: string; dependsOn: string[]; dependents: string[] }[];
  cycles: string[][];
  suggestions: TopologySuggestion[];
}> {
  const graph = DependencyGraph.fromServices(config.services);
  const learner = new CoOccurrenceLearner(opts);
  const findings = await store.listFindings({ limit: 50_000 });
  for (const f of [...findings].sort((a, b) => a.at - b.at)) learner.observe(f.service, f.at);
  return {
    services: graph.services().map((name) => ({
      name,
      dependsOn: graph.dependenciesOf(name),
      dependents: graph.dependentsOf(name),
    })),
    cycles: graph.cycles(),
    suggestions: learner.suggestions(graph),
  };
}
