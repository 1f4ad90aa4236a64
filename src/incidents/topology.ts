/**
 * The dependency graph of services (from config `depends_on`) and what can be learned about it: which failing
 * dependency is upstream-most, where the config has cycles, and which links the config is missing.
 */

export class DependencyGraph {
  /** service → its direct dependencies; every service named anywhere has an entry. */
  private readonly deps = new Map<string, string[]>();
  private readonly users = new Map<string, string[]>();

  constructor(edges: Readonly<Record<string, readonly string[]>>) {
    for (const [service, ds] of Object.entries(edges)) {
      this.node(service);
      for (const d of ds) {
        this.node(d);
        if (!this.deps.get(service)!.includes(d)) this.deps.get(service)!.push(d);
        if (!this.users.get(d)!.includes(service)) this.users.get(d)!.push(service);
      }
    }
  }

  /** From the config's services map: `{ api: { depends_on: ['db'] } }`. */
  static fromServices(
    services: Readonly<Record<string, { depends_on?: readonly string[] }>>,
  ): DependencyGraph {
    const edges: Record<string, readonly string[]> = {};
    for (const [name, s] of Object.entries(services)) edges[name] = s.depends_on ?? [];
    return new DependencyGraph(edges);
  }

  services(): string[] {
    return [...this.deps.keys()].sort();
  }

  dependenciesOf(service: string): string[] {
    return [...(this.deps.get(service) ?? [])];
  }

  dependentsOf(service: string): string[] {
    return [...(this.users.get(service) ?? [])];
  }

  /** Every service `service` depends on, directly or not (never itself, even inside a cycle). */
  upstreamOf(service: string): Set<string> {
    return this.reach(service, this.deps);
  }

  downstreamOf(service: string): Set<string> {
    return this.reach(service, this.users);
  }

  /** True when one of the two depends on the other, directly or not. */
  linked(a: string, b: string): boolean {
    return a !== b && (this.upstreamOf(a).has(b) || this.upstreamOf(b).has(a));
  }

  /**
   * Every elementary cycle found by a depth-first walk, each as the path that closes it (`[a, b, a]`), listed
   * once whatever node it was entered from. A cycle makes "upstream-most" meaningless, so config should
   * reject it; here it is reported, and the root-cause walk below survives it.
   */
  cycles(): string[][] {
    const found = new Map<string, string[]>();
    const state = new Map<string, 'active' | 'done'>();
    const stack: string[] = [];
    const visit = (n: string): void => {
      state.set(n, 'active');
      stack.push(n);
      for (const d of this.deps.get(n) ?? []) {
        if (state.get(d) === 'active') {
          const cycle = stack.slice(stack.indexOf(d));
          const key = canonicalCycle(cycle);
          if (!found.has(key)) found.set(key, [...cycle, d]);
        } else if (!state.has(d)) visit(d);
      }
      stack.pop();
      state.set(n, 'done');
    };
    for (const n of this.services()) if (!state.has(n)) visit(n);
    return [...found.values()];
  }

  /**
   * The upstream-most failing service behind `service`: follow `depends_on` through failing services only
   * and take the farthest one whose own dependencies are all healthy. When two independent chains fail, the
   * deeper wins, then the name, so the answer never depends on map order. `service` itself when none of its
   * dependencies fails.
   */
  rootCause(service: string, failing: (s: string) => boolean): string {
    const depth = new Map<string, number>([[service, 0]]);
    let frontier = [service];
    while (frontier.length > 0) {
      const next: string[] = [];
      for (const n of frontier) {
        for (const d of this.deps.get(n) ?? []) {
          if (depth.has(d) || !failing(d)) continue;
          depth.set(d, depth.get(n)! + 1);
          next.push(d);
        }
      }
      frontier = next;
    }
    const reached = [...depth].filter(([s]) => s !== service);
    if (reached.length === 0) return service;
    const roots = reached.filter(([s]) => !(this.deps.get(s) ?? []).some(failing));
    // Inside a cycle of failing services nothing is a root: name the deepest one reached all the same.
    const pool = roots.length > 0 ? roots : reached;
    pool.sort(([a, da], [b, db]) => db - da || a.localeCompare(b));
    return pool[0]![0];
  }

  private node(service: string): void {
    if (!this.deps.has(service)) this.deps.set(service, []);
    if (!this.users.has(service)) this.users.set(service, []);
  }

  private reach(start: string, edges: Map<string, string[]>): Set<string> {
    const out = new Set<string>();
    const todo = [...(edges.get(start) ?? [])];
    for (let n = todo.pop(); n !== undefined; n = todo.pop()) {
      if (n === start || out.has(n)) continue;
      out.add(n);
      todo.push(...(edges.get(n) ?? []));
    }
    return out;
  }
}

function canonicalCycle(cycle: string[]): string {
  const min = cycle.indexOf([...cycle].sort()[0]!);
  return [...cycle.slice(min), ...cycle.slice(0, min)].join('→');
}

export interface TopologySuggestion {
  /** The service that seems to depend on … */
  service: string;
  /** … this one, because its trouble usually starts first. */
  dependsOn: string;
  /** Episodes of the two that started within the window of each other. */
  together: number;
  /** Of those, how often `dependsOn` started first. */
  ledBy: number;
  /** together / episodes of the rarer of the two: 1 means "every time one fails, so does the other". */
  score: number;
}

export interface CoOccurrenceOptions {
  /** Two episodes starting this close count as arriving together (default 2 min). */
  windowMs?: number;
  /** A service's findings closer than this to its previous one belong to the same episode (default 10 min). */
  episodeGapMs?: number;
  /** Minimum co-occurrences before anything is proposed (default 3). */
  minTogether?: number;
  /** Minimum score before anything is proposed (default 0.6). */
  minScore?: number;
  /**
   * The most episode starts one window may hold and still say who depends on whom (default 64). A new
   * episode pairs with the others in its window only while there are fewer: a mass outage, where everything
   * starts with everything, teaches nothing, and would cost services² time and memory.
   */
  maxPartners?: number;
  /** Pairs kept; beyond this the least seen quarter is forgotten (default 4096). */
  maxPairs?: number;
}

/**
 * Learns dependencies the config does not declare: when two services' trouble keeps starting together, one
 * probably depends on the other, and the one whose trouble starts first is the likely dependency. Counts
 * episodes (a burst of findings), not findings, so a chatty service does not outvote a quiet one.
 */
export class CoOccurrenceLearner {
  private readonly windowMs: number;
  private readonly episodeGapMs: number;
  private readonly minTogether: number;
  private readonly minScore: number;
  private readonly maxPartners: number;
  private readonly maxPairs: number;
  private readonly lastFinding = new Map<string, number>();
  private readonly episodes = new Map<string, number>();
  /** Recent episode starts, oldest first, kept only as long as the window and at most maxPartners. */
  private recent: { service: string; at: number }[] = [];
  /** "a|b" (a < b) → together count and how often a led. */
  private readonly pairs = new Map<string, { together: number; aLed: number; bLed: number }>();

  constructor(opts: CoOccurrenceOptions = {}) {
    this.windowMs = opts.windowMs ?? 120_000;
    this.episodeGapMs = opts.episodeGapMs ?? 600_000;
    this.minTogether = opts.minTogether ?? 3;
    this.minScore = opts.minScore ?? 0.6;
    this.maxPartners = Math.max(1, opts.maxPartners ?? 64);
    this.maxPairs = Math.max(4, opts.maxPairs ?? 4096);
  }

  /** Pairs counted so far (bounded by maxPairs). */
  get pairCount(): number {
    return this.pairs.size;
  }

  /** Feed every finding (times must not go backwards). */
  observe(service: string, at: number): void {
    const last = this.lastFinding.get(service);
    this.lastFinding.set(service, at);
    if (last !== undefined && at - last < this.episodeGapMs) return;
    this.episodes.set(service, (this.episodes.get(service) ?? 0) + 1);
    let keepFrom = 0;
    while (keepFrom < this.recent.length && at - this.recent[keepFrom]!.at > this.windowMs) keepFrom++;
    if (keepFrom > 0) this.recent = this.recent.slice(keepFrom);
    // A service's episodes are an episode gap apart, so the window holds each service once unless the gap
    // is shorter than the window; the set covers that case.
    const partners = new Set<string>();
    const burst = this.recent.length >= this.maxPartners;
    for (const e of burst ? [] : this.recent) {
      if (e.service === service || partners.has(e.service)) continue;
      partners.add(e.service);
      const [a, b] = e.service < service ? [e.service, service] : [service, e.service];
      const p = this.pairs.get(`${a}|${b}`) ?? { together: 0, aLed: 0, bLed: 0 };
      p.together++;
      // The earlier episode led; simultaneous starts lead neither.
      if (e.at < at) {
        if (e.service === a) p.aLed++;
        else p.bLed++;
      }
      this.pairs.set(`${a}|${b}`, p);
    }
    this.recent.push({ service, at });
    if (this.recent.length > this.maxPartners) this.recent.splice(0, this.recent.length - this.maxPartners);
    if (this.pairs.size > this.maxPairs) this.forget();
  }

  /** Forgets the least seen quarter of the pairs (ties: the oldest first), in one sort per maxPairs/4 adds. */
  private forget(): void {
    const kept = [...this.pairs.entries()]
      .map(([key, p], i) => ({ key, p, i }))
      .sort((x, y) => y.p.together - x.p.together || y.i - x.i)
      .slice(0, Math.floor((this.maxPairs * 3) / 4));
    this.pairs.clear();
    for (const { key, p } of kept.sort((x, y) => x.i - y.i)) this.pairs.set(key, p);
  }

  /** Proposed links not already in `graph` (in either direction), best score first. */
  suggestions(graph?: DependencyGraph): TopologySuggestion[] {
    const out: TopologySuggestion[] = [];
    for (const [key, p] of this.pairs) {
      const [a, b] = key.split('|') as [string, string];
      const rarer = Math.min(this.episodes.get(a) ?? 0, this.episodes.get(b) ?? 0);
      const score = rarer === 0 ? 0 : p.together / rarer;
      if (p.together < this.minTogether || score < this.minScore) continue;
      if (graph?.linked(a, b)) continue;
      const aFirst = p.aLed >= p.bLed;
      out.push({
        service: aFirst ? b : a,
        dependsOn: aFirst ? a : b,
        together: p.together,
        ledBy: aFirst ? p.aLed : p.bLed,
        score: Math.round(score * 1000) / 1000,
      });
    }
    return out.sort(
      (x, y) => y.score - x.score || y.together - x.together || x.service.localeCompare(y.service),
    );
  }
}
