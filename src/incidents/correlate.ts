import type { Clock, Finding } from '../core/index.js';
import type { DependencyGraph } from './topology.js';

/** What the correlator needs to know of an active incident. */
export interface IncidentView {
  id: string;
  /** The service named the root cause (the one healed first). */
  rootCause: string;
  /** Every service whose findings are attached. */
  services: readonly string[];
  openedAt: number;
  /** Time of the newest finding attached. */
  lastFindingAt: number;
}

/** The in-memory view the correlator decides over; the daemon keeps it in step with the store. */
export interface CorrelationView {
  activeIncidents(): readonly IncidentView[];
  graph(): DependencyGraph;
  /** True when the service is down or degraded right now (health model), finding or not. */
  isFailing(service: string): boolean;
}

/** The finding's service bounces up and down: heals go on, slowed down, and people are told. */
export interface Flapping {
  /** Its own health changes in the last hour (changes that followed from an upstream's trouble excluded). */
  changesLastHour: number;
  /** The limit (`correlation.max_changes_per_hour`). */
  limit: number;
  /** How far past the limit, in changes, at least 1: the heal's backoff step. */
  over: number;
  /** True when this finding is the first of the flapping spell (the moment to tell people). */
  began: boolean;
}

interface DecisionBase {
  /** The service to heal first: the upstream-most failing dependency. */
  rootCause: string;
  /** True when this finding's own service is the root cause; false means "wait for the root's heal". */
  heal: boolean;
  reason: string;
  /** Set while the finding's service flaps: the heal is delayed, never held back. */
  flapping: Flapping | null;
}

export type CorrelationDecision =
  | (DecisionBase & { type: 'open' })
  | (DecisionBase & {
      type: 'attach';
      incidentId: string;
      /** Same service, check and kind seen moments ago: record it, trigger nothing. */
      duplicate: boolean;
      /** True when this finding moved the incident's root cause. */
      rootChanged: boolean;
    })
  | (DecisionBase & {
      type: 'merge';
      /** The incident that stays (the oldest). */
      incidentId: string;
      /** Incidents folded into it: their findings move over, they end as `suppressed`. */
      absorbed: string[];
    });

export interface CorrelatorOptions {
  /** Linked services' findings this close to an incident's last finding join it (default 5 min). */
  groupWindowMs?: number;
  /** The same service/check/kind within this window is a duplicate (default 2 min). */
  dedupeWindowMs?: number;
  /** More health changes than this in an hour is flapping: heals slow down (default 6). */
  maxChangesPerHour?: number;
  /**
   * True for a finding that is the service's own fault whatever its dependencies do: its process exited or
   * is stopped, its own memory or disk runs out. Such a service is its own root cause and gets its own heal (which still waits while an
   * upstream fails), rather than waiting inside an upstream's incident for a heal that cannot revive it.
   */
  ownFault?: (f: Finding) => boolean;
}

const HOUR = 3_600_000;

/**
 * Decides where each finding belongs: a new incident, an existing one, or a merge of several, with the
 * upstream-most failing dependency as root cause, and whether the service flaps. It only decides;
 * the caller applies the decision to the store and tells the correlator nothing back except through the view.
 */
export class Correlator {
  private readonly groupWindowMs: number;
  private readonly dedupeWindowMs: number;
  private readonly maxChanges: number;
  private readonly ownFault: (f: Finding) => boolean;
  private readonly lastSeen = new Map<string, number>();
  /** The process run (pid) the last finding of each service/check/kind was about, when it named one. */
  private readonly lastPid = new Map<string, number | null>();
  private readonly changes = new Map<string, number[]>();
  /**
   * Services whose own fault (their process exited or stopped, their own resources) was seen and that have
   * not been healthy since: each is its own root whatever order its upstreams' findings come in.
   */
  private readonly selfRooted = new Set<string>();
  /** Services judged flapping; they stay so until the rate falls to half the limit (hysteresis). */
  private readonly flapping = new Set<string>();

  constructor(
    private readonly clock: Clock,
    private readonly view: CorrelationView,
    opts: CorrelatorOptions = {},
  ) {
    this.groupWindowMs = opts.groupWindowMs ?? 300_000;
    this.dedupeWindowMs = opts.dedupeWindowMs ?? 120_000;
    this.maxChanges = opts.maxChangesPerHour ?? 6;
    this.ownFault = opts.ownFault ?? (() => false);
  }

  /** Records a health change of a service (into or out of trouble): the flapping count. */
  noteChange(service: string, at = this.clock.now()): void {
    const list = (this.changes.get(service) ?? []).filter((t) => at - t < HOUR);
    list.push(at);
    this.changes.set(service, list);
  }

  /**
   * The service is healthy again: what it reported before is over, so its next finding of the same check and
   * kind is a new failure (a second hang right after the first one's heal), not a duplicate.
   */
  recovered(service: string): void {
    for (const key of this.lastSeen.keys()) if (key.startsWith(`${service}|`)) this.lastSeen.delete(key);
    for (const key of this.lastPid.keys()) if (key.startsWith(`${service}|`)) this.lastPid.delete(key);
    this.selfRooted.delete(service);
  }

  /** The service's incidents have ended: an own fault seen in them no longer makes it its own root. */
  ended(service: string): void {
    this.selfRooted.delete(service);
  }

  /**
   * Forgets the service's health changes since `since`: they turned out to follow from an upstream's trouble
   * that showed itself after them (a proxy's check can fail before the hung app's own check does).
   */
  forgetChanges(service: string, since: number): void {
    const list = this.changes.get(service);
    if (list)
      this.changes.set(
        service,
        list.filter((t) => t < since),
      );
  }

  /** Health changes of the service in the last hour. */
  changesLastHour(service: string): number {
    const now = this.clock.now();
    return (this.changes.get(service) ?? []).filter((t) => now - t < HOUR).length;
  }

  isFlapping(service: string): boolean {
    const n = this.changesLastHour(service);
    if (n > this.maxChanges) this.flapping.add(service);
    else if (n <= Math.floor(this.maxChanges / 2)) this.flapping.delete(service);
    return this.flapping.has(service);
  }

  /**
   * The service's flapping state for a finding now, or null when it is calm. A flapping service is never
   * held back (a hold would leave it down with nobody told): its heals wait longer, growing with each
   * episode past the limit, as the kubelet's CrashLoopBackOff does.
   */
  flappingOf(service: string): Flapping | null {
    const was = this.flapping.has(service);
    if (!this.isFlapping(service)) return null;
    const n = this.changesLastHour(service);
    return {
      changesLastHour: n,
      limit: this.maxChanges,
      over: Math.max(1, n - this.maxChanges),
      began: !was,
    };
  }

  decide(f: Finding): CorrelationDecision {
    const now = this.clock.now();
    const incidents = this.view.activeIncidents();
    const own = incidents.find((i) => i.services.includes(f.service)) ?? null;
    const flapping = this.flappingOf(f.service);

    const key = `${f.service}|${f.check}|${f.kind}`;
    const seen = this.lastSeen.get(key);
    this.lastSeen.set(key, f.at);
    // A process's exit is an event, never a repeat: each has its own code and last words, and the heal in
    // hand must hear of it (restarts' backoff bounds how often).
    const exit = 'code' in f.evidence || 'signal' in f.evidence;
    // Nor is a finding about another run of the process than the last one was (the process a restart
    // started hung while that restart was being verified): it is new trouble of a new process.
    // The last one seen with no process running counts too: the process answering now was started since.
    const pid = typeof f.evidence['pid'] === 'number' ? f.evidence['pid'] : null;
    const seenPid = this.lastPid.get(key);
    this.lastPid.set(key, pid);
    const otherRun = pid !== null && seenPid !== undefined && seenPid !== pid;
    if (own && !exit && !otherRun && seen !== undefined && f.at - seen <= this.dedupeWindowMs) {
      return {
        type: 'attach',
        incidentId: own.id,
        duplicate: true,
        rootChanged: false,
        rootCause: own.rootCause,
        heal: false,
        flapping,
        reason: `duplicate of a ${f.kind} finding on ${f.service}/${f.check} ${Math.round((f.at - seen) / 1000)}s ago`,
      };
    }

    const ownFault = this.ownFault(f);
    if (ownFault) this.selfRooted.add(f.service);
    // Its own fault, now or since it was last healthy: an upstream's trouble does not explain it.
    const selfRooted = this.selfRooted.has(f.service);
    if (ownFault && own) {
      return {
        type: 'attach',
        incidentId: own.id,
        duplicate: false,
        rootChanged: false,
        rootCause: own.rootCause,
        heal: true,
        flapping,
        reason: `${f.service}'s own process failed: its own heal, in its turn`,
      };
    }

    const graph = this.view.graph();
    // Linked to the incident's root cause, not to any member: the cache and the database behind one API are
    // two faults (two incidents, healed in parallel) even while the API sits in the cache's incident.
    // A service whose own process failed is not explained by an upstream's incident: it joins only the
    // incidents of what depends on it (a proxy's incident, whose root moves to it).
    // Nor is one whose own fault came first explained by an upstream's finding that follows (a deploy's
    // stop, then a database's slow probe): the upstream's trouble is an incident of its own, whichever order
    // the two findings came in.
    const upstream = graph.upstreamOf(f.service);
    const related = incidents.filter(
      (i) =>
        i === own ||
        (now - i.lastFindingAt <= this.groupWindowMs &&
          (graph.linked(i.rootCause, f.service) || i.services.includes(f.service)) &&
          !(selfRooted && upstream.has(i.rootCause)) &&
          !(this.selfRooted.has(i.rootCause) && graph.upstreamOf(i.rootCause).has(f.service))),
    );
    // The incidents the finding joins: its service's own (else the oldest linked one) and those whose roots are
    // one chain of trouble with its root (a proxy's incident and its app's) or that its service explains,
    // folded into the oldest of them.
    // Incidents whose roots are separate faults (the database and the cache behind one API) stay apart, each
    // with its own root and heal, and the finding's service waits in the one it joined.
    const byAge = [...related].sort((a, b) => a.openedAt - b.openedAt || a.id.localeCompare(b.id));
    const anchor = own ?? byAge[0];
    // The finding's service explains an incident when its root depends on it (the database under two APIs'
    // incidents): incidents it explains are one trouble, whatever their roots.
    const explains = (i: IncidentView) => graph.upstreamOf(i.rootCause).has(f.service);
    const joined = anchor
      ? byAge.filter(
          (i) =>
            i === anchor ||
            i.rootCause === anchor.rootCause ||
            graph.linked(i.rootCause, anchor.rootCause) ||
            (explains(i) && explains(anchor)),
        )
      : [];
    const [target, ...absorbed] = joined;
    const apart = related.filter((i) => !joined.includes(i));
    const involved = new Set<string>([f.service, ...joined.flatMap((i) => i.services)]);
    // A root that has an incident of its own apart from this one is not this group's root. Nor is one with
    // an unrelated incident that the finding's service does not depend on: the cache's incident is not
    // linked to the database's, yet the cache, failing, would otherwise be taken for the root of the API that
    // waits in the database's, on the database's next finding.
    const elsewhere = (s: string) =>
      apart.some((i) => i.rootCause === s) ||
      (!upstream.has(s) && incidents.some((i) => !joined.includes(i) && i.rootCause === s));
    const failing = (s: string) => !elsewhere(s) && (involved.has(s) || this.view.isFailing(s));
    const rootCause = groupRoot(graph, [...involved], failing, selfRooted ? f.service : null);
    const heal = rootCause === f.service;

    if (!target) {
      const upstream = rootCause === f.service ? '' : `; waiting on ${rootCause}, which it depends on`;
      return {
        type: 'open',
        rootCause,
        heal,
        flapping,
        reason: `new ${f.kind} finding on ${f.service}${upstream}`,
      };
    }
    if (absorbed.length > 0) {
      return {
        type: 'merge',
        incidentId: target.id,
        absorbed: absorbed.map((i) => i.id),
        rootCause,
        heal,
        flapping,
        reason: `${f.service} links ${joined.map((i) => i.services.join('+')).join(' and ')}: one incident, root cause ${rootCause}`,
      };
    }
    const rootChanged = target.rootCause !== rootCause;
    return {
      type: 'attach',
      incidentId: target.id,
      duplicate: false,
      rootChanged,
      rootCause,
      heal,
      flapping,
      reason:
        target === own
          ? `another ${f.kind} finding on ${f.service}`
          : `${f.service} is linked to ${target.services.join(', ')} by depends_on; root cause ${rootCause}`,
    };
  }
}

/**
 * The root of a group of failing services: each member's upstream-most failing dependency (`selfRooted`,
 * whose own process failed, is its own), then the one of those that the others depend on (a root that is
 * upstream of another root wins), then the name.
 */
function groupRoot(
  graph: DependencyGraph,
  services: string[],
  failing: (s: string) => boolean,
  selfRooted: string | null,
): string {
  const roots = [...new Set(services.map((s) => (s === selfRooted ? s : graph.rootCause(s, failing))))];
  const covers = (r: string) => roots.filter((o) => o !== r && graph.upstreamOf(o).has(r)).length;
  roots.sort(
    (a, b) =>
      covers(b) - covers(a) || graph.downstreamOf(b).size - graph.downstreamOf(a).size || a.localeCompare(b),
  );
  return roots[0]!;
}

/**
 * A plain in-memory CorrelationView that applies decisions to itself: for tests, drills and a daemon that
 * rebuilds it from the store's active incidents at start-up.
 */
export class MemoryIncidentView implements CorrelationView {
  private readonly incidents = new Map<string, IncidentView>();
  private readonly failingSet = new Set<string>();

  constructor(
    private readonly dependencyGraph: () => DependencyGraph,
    private readonly ids: () => string,
  ) {}

  activeIncidents(): readonly IncidentView[] {
    return [...this.incidents.values()];
  }

  graph(): DependencyGraph {
    return this.dependencyGraph();
  }

  isFailing(service: string): boolean {
    return this.failingSet.has(service);
  }

  setFailing(service: string, failing: boolean): void {
    if (failing) this.failingSet.add(service);
    else this.failingSet.delete(service);
  }

  get(id: string): IncidentView | undefined {
    return this.incidents.get(id);
  }

  /** Applies a decision; returns the incident the finding now belongs to. */
  apply(d: CorrelationDecision, f: Finding): IncidentView {
    if (d.type === 'open') {
      const inc: IncidentView = {
        id: this.ids(),
        rootCause: d.rootCause,
        services: [f.service],
        openedAt: f.at,
        lastFindingAt: f.at,
      };
      this.incidents.set(inc.id, inc);
      return inc;
    }
    const target = this.incidents.get(d.incidentId);
    if (!target) throw new Error(`no active incident ${d.incidentId}`);
    const services = new Set([...target.services, f.service]);
    if (d.type === 'merge') {
      for (const id of d.absorbed) {
        for (const s of this.incidents.get(id)?.services ?? []) services.add(s);
        this.incidents.delete(id);
      }
    }
    const next: IncidentView = {
      ...target,
      rootCause: d.rootCause,
      services: [...services],
      lastFindingAt: Math.max(target.lastFindingAt, f.at),
    };
    this.incidents.set(next.id, next);
    return next;
  }

  /** The incident resolved (or was suppressed): it leaves the view. */
  close(id: string): void {
    this.incidents.delete(id);
  }
}
