import type { MedicConfig } from '../config/index.js';
import type { Clock, Finding, Incident } from '../core/index.js';
import { PROCESS_CHECK } from '../detect/index.js';
import {
  CoOccurrenceLearner,
  type CorrelationDecision,
  type CorrelationView,
  Correlator,
  DependencyGraph,
  type IncidentView,
  type TopologySuggestion,
} from '../incidents/index.js';
import type { Store } from '../store/index.js';

export interface CorrelationDeps {
  clock: Clock;
  store: Pick<Store, 'listIncidents' | 'incidentServices' | 'listFindings' | 'activeIncident'>;
  config(): MedicConfig;
  /** Down or degraded now. */
  failing(service: string): boolean;
}

/**
 * The incidents stage's memory: the correlator (rebuilt when its settings change), the in-memory view of the
 * active incidents it decides over (loaded from the store once, so a restarted Medic keeps its incidents),
 * the dependency graph of the config in effect, and the learner of dependencies the config does not declare.
 */
export class Correlation {
  private correlator: Correlator;
  private correlatorKey = '';
  private readonly learner: CoOccurrenceLearner;
  private readonly view = new Map<string, IncidentView>();
  private viewLoaded: Promise<void> | null = null;
  private graphOf: { config: MedicConfig; graph: DependencyGraph } | null = null;

  constructor(private readonly d: CorrelationDeps) {
    this.correlator = this.make();
    const learn = d.config().correlation.learn;
    this.learner = new CoOccurrenceLearner({
      windowMs: learn.window,
      minTogether: learn.min_together,
      minScore: learn.min_score,
    });
  }

  /** Where the finding belongs (see Correlator.decide). */
  async decide(f: Finding): Promise<CorrelationDecision> {
    await this.loadView();
    if (!this.inActive(f.service)) await this.adopt(f.service);
    this.learner.observe(f.service, f.at);
    return this.current().decide(f);
  }

  /** The decision was recorded in the store: the view follows. */
  apply(d: CorrelationDecision, f: Finding, incident: Incident): void {
    const prev = this.view.get(incident.id);
    const services = new Set([...(prev?.services ?? []), incident.service, f.service]);
    if (d.type === 'merge') {
      for (const id of d.absorbed) {
        for (const s of this.view.get(id)?.services ?? []) services.add(s);
        this.view.delete(id);
      }
    }
    this.view.set(incident.id, {
      id: incident.id,
      rootCause: d.rootCause,
      services: [...services],
      openedAt: incident.openedAt,
      lastFindingAt: Math.max(prev?.lastFindingAt ?? 0, f.at),
    });
  }

  /** The incident ended: it leaves the view. */
  close(id: string): void {
    const services = this.view.get(id)?.services ?? [];
    this.view.delete(id);
    // Its members' own faults are over with it (a forecast on a service that never failed is never followed
    // by a recovery): their next trouble may be an upstream's again.
    for (const s of services) if (!this.inActive(s)) this.current().ended(s);
  }

  /** True when an active incident holds the service. */
  inActive(service: string): boolean {
    return [...this.view.values()].some((i) => i.services.includes(service));
  }

  noteChange(service: string, at: number): void {
    this.current().noteChange(service, at);
  }

  forgetChanges(service: string, since: number): void {
    this.current().forgetChanges(service, since);
  }

  recovered(service: string): void {
    this.current().recovered(service);
  }

  graph(): DependencyGraph {
    const config = this.d.config();
    if (this.graphOf?.config !== config) {
      this.graphOf = { config, graph: DependencyGraph.fromServices(config.services) };
    }
    return this.graphOf.graph;
  }

  /** Dependencies the config does not declare but the findings suggest (`medic topology`). */
  suggestions(): TopologySuggestion[] {
    return this.learner.suggestions(this.graph());
  }

  private make(): Correlator {
    const c = this.d.config().correlation;
    this.correlatorKey = JSON.stringify([c.group_window, c.dedupe_window, c.max_changes_per_hour]);
    const view: CorrelationView = {
      activeIncidents: () => [...this.view.values()],
      graph: () => this.graph(),
      isFailing: (s) => this.d.failing(s),
    };
    return new Correlator(this.d.clock, view, {
      groupWindowMs: c.group_window,
      dedupeWindowMs: c.dedupe_window,
      maxChangesPerHour: c.max_changes_per_hour,
      // A supervised process that exited or is stopped, or a forecast of its own resources (memory, disk),
      // is that service's own fault, whatever its dependencies do.
      ownFault: (f) => (f.check === PROCESS_CHECK && f.kind === 'down') || f.kind === 'forecast',
    });
  }

  private current(): Correlator {
    const c = this.d.config().correlation;
    const key = JSON.stringify([c.group_window, c.dedupe_window, c.max_changes_per_hour]);
    if (key !== this.correlatorKey) this.correlator = this.make();
    return this.correlator;
  }

  /**
   * An incident another replica opened for the service (its checks moved here when that replica died): the
   * view, loaded at start, does not hold it, and a finding must join it rather than open a second one.
   */
  private async adopt(service: string): Promise<void> {
    const i = await this.d.store.activeIncident(service).catch(() => null);
    if (i && !this.view.has(i.id)) await this.remember(i);
  }

  private loadView(): Promise<void> {
    this.viewLoaded ??= (async () => {
      const { items } = await this.d.store.listIncidents({ state: 'active', limit: 500 });
      for (const i of items) await this.remember(i);
    })();
    return this.viewLoaded;
  }

  /** Puts a stored active incident in the view, with its services and its last finding's time. */
  private async remember(i: Incident): Promise<void> {
    const services = await this.d.store.incidentServices(i.id);
    const [last] = await this.d.store.listFindings({ incidentId: i.id, limit: 1 });
    this.view.set(i.id, {
      id: i.id,
      rootCause: i.rootCause ?? i.service,
      services,
      openedAt: i.openedAt,
      lastFindingAt: last?.at ?? i.openedAt,
    });
  }
}
