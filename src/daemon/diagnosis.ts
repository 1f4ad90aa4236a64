import type { LlmConfig, MedicConfig } from '../config/index.js';
import type { Clock, Diagnosis, Finding, Incident, ServiceHealth } from '../core/index.js';
import { errorMessage, formatDuration } from '../core/index.js';
import type { HealthChange } from '../detect/index.js';
import { type DiagnoseResult, diagnose, LlmDiagnoser, type PlaybookMap } from '../diagnose/index.js';
import {
  CoOccurrenceLearner,
  type CorrelationDecision,
  type CorrelationView,
  Correlator,
  DependencyGraph,
  type Flapping,
  type IncidentView,
  type TopologySuggestion,
} from '../incidents/index.js';
import { readStat } from '../sources/index.js';
import { gatherEvidence } from './evidence.js';
import type { Medic } from './medic.js';
import { UpstreamWatch } from './upstream.js';

/** What the finding path needs of the daemon: a narrow slice of Medic, so tests can drive it too. */
type Host = Pick<
  Medic,
  'store' | 'bus' | 'clock' | 'logger' | 'health' | 'incidents' | 'engine' | 'supervisor' | 'config'
> & { runChecks(service?: string): Promise<void> };

const instances = new WeakMap<object, DiagnosisPath>();
const FAILING: readonly ServiceHealth[] = ['down', 'degraded'];
const REDIAGNOSE_MS = 30_000;

/**
 * The finding path of DESIGN.md between detect and remediate: each finding goes through the correlator
 * (open, attach, merge or hold, with the upstream-most failing dependency as root cause); only the root
 * cause's findings are diagnosed (rules, then the optional LLM, outside the service lane since a model may
 * take seconds) and handed to the engine with the diagnosis. Dependents wait: when the root's heal verifies,
 * a dependent that recovered needs nothing, one that still fails after `correlation.release_after` is
 * diagnosed and healed in its turn. An incident resolves only when every attached service is healthy.
 */
export class DiagnosisPath {
  private correlator: Correlator;
  private correlatorKey = '';
  private readonly learner: CoOccurrenceLearner;
  private readonly view = new Map<string, IncidentView>();
  private viewLoaded: Promise<void> | null = null;
  private graphOf: { config: MedicConfig; graph: DependencyGraph } | null = null;
  private llm: { key: string; diagnoser: LlmDiagnoser } | null = null;
  /** Dependents waiting for their root's heal: service → its latest finding. */
  private readonly waiting = new Map<string, Finding>();
  private readonly work = new Set<Promise<void>>();
  /**
   * The last diagnosis per service, so a second check failing moments later does not diagnose again, unless
   * that diagnosis named no cause and the finding brings evidence of a source not seen yet (a probe may
   * report a dead process before the supervisor's exit does).
   */
  private readonly diagnosed = new Map<
    string,
    { incidentId: string; at: number; known: boolean; sources: Set<string> }
  >();
  private readonly stopping = new AbortController();
  private readonly upstream: UpstreamWatch;
  /** Services with a diagnosis running (a count: several findings may be diagnosed at once). */
  private readonly diagnosing = new Map<string, number>();
  /** Incidents (and service) already told about flapping: once each. */
  private readonly flapTold = new Set<string>();

  /** The one finding path of a Medic (created on first use). */
  static of(medic: Host): DiagnosisPath {
    let path = instances.get(medic);
    if (!path) {
      path = new DiagnosisPath(medic);
      instances.set(medic, path);
    }
    return path;
  }

  constructor(private readonly medic: Host) {
    this.correlator = this.makeCorrelator();
    this.upstream = new UpstreamWatch({
      clock: medic.clock,
      graph: () => this.graph(),
      failing: (s) => FAILING.includes(medic.health.get(s)),
      suspect: (s) => medic.health.suspect(s),
      runChecks: (s) => medic.runChecks(s),
      stopped: async (s) => {
        const pid = medic.supervisor.pid(s);
        const state = pid === null ? null : (await readStat(pid))?.state;
        return state === 'T' || state === 't';
      },
    });
    const learn = medic.config().config.correlation.learn;
    this.learner = new CoOccurrenceLearner({
      windowMs: learn.window,
      minTogether: learn.min_together,
      minScore: learn.min_score,
    });
    medic.incidents.setGate({
      holding: (incident, services, healthy) => this.holding(incident, services, healthy),
      memberHealthy: (incident, service, holding) => this.memberHealthy(incident, service, holding),
    });
    medic.bus.on('incident', ({ incident, change }) => {
      if (change === 'resolved' || change === 'suppressed') {
        this.view.delete(incident.id);
        for (const key of this.flapTold) if (key.startsWith(`${incident.id}|`)) this.flapTold.delete(key);
        for (const [s] of this.waiting) if (!this.inActive(s)) this.waiting.delete(s);
      }
    });
  }

  private get clock(): Clock {
    return this.medic.clock;
  }

  /** A finding (from probes, the supervisor, alerts, logs...): correlate, record, maybe diagnose and heal. */
  async onFinding(f: Finding): Promise<void> {
    await this.loadView();
    this.learner.observe(f.service, f.at);
    const correlator = this.currentCorrelator();
    const d = correlator.decide(f);
    const { incident, duplicate } = await this.medic.incidents.record(d, f);
    this.applyToView(d, f, incident);
    if (d.flapping) await this.onFlapping(f, incident, d.flapping);
    if (incident.state === 'escalated' && !duplicate) await this.newFailureWhileEscalated(f, incident);
    if (duplicate) return;
    if (!d.heal) {
      const already = this.waiting.has(f.service);
      this.waiting.set(f.service, f);
      if (!already) {
        await this.medic.incidents.note(
          incident.id,
          `${f.service} waits for ${d.rootCause}, which it depends on: no action on ${f.service} until ${d.rootCause}'s heal verifies`,
          { service: f.service, rootCause: d.rootCause },
        );
      }
      return;
    }
    this.waiting.delete(f.service);
    const source = `${f.kind}:${f.check}`;
    const last = this.diagnosed.get(f.service);
    if (last && last.incidentId === incident.id && f.at - last.at < REDIAGNOSE_MS) {
      // Another check of the same trouble, moments after the first: recorded, and the heal already on its
      // way (or running) covers it. An unknown cause is looked at again with the new evidence.
      if (last.known || last.sources.has(source)) return;
      last.sources.add(source);
    } else {
      this.diagnosed.set(f.service, {
        incidentId: incident.id,
        at: f.at,
        known: false,
        sources: new Set([source]),
      });
    }
    const entry = this.diagnosed.get(f.service);
    const delayMs = d.flapping ? flapDelay(this.medic.config().config, d.flapping) : 0;
    this.spawn(async () => {
      const cause = await this.diagnoseAndHeal(f, incident, delayMs);
      if (cause && this.diagnosed.get(f.service) === entry && entry) entry.known = true;
    });
  }

  /**
   * A service's overall health changed: flapping count (`flapCounts`: false for the telemetry check's
   * episodes), incident resolution, the engine's guard timers.
   */
  async onHealth(service: string, change: HealthChange, at: number, flapCounts = true): Promise<void> {
    const into = FAILING.includes(change.to) && !FAILING.includes(change.from);
    const outOf = !FAILING.includes(change.to) && FAILING.includes(change.from);
    // A change that follows from an upstream's trouble (the app fails while its cache is down, and recovers
    // when the cache does) is the upstream's flapping, not the dependent's own.
    // Nor are the changes a heal of the service makes (a restarting process refuses connections for a
    // moment): a crash that Medic heals is one change, a service that fails and recovers by itself two.
    const own =
      this.upstream.troubled(service, this.flapSettleMs(), true) === null && !this.medic.engine.busy(service);
    this.upstream.note(service, FAILING.includes(change.to), at);
    if (flapCounts && own && (into || outOf)) this.correlator.noteChange(service, this.clock.now());
    // Trouble here explains what its dependents went through just before it showed.
    if (into) {
      const since = at - this.flapSettleMs();
      for (const s of this.graph().downstreamOf(service)) this.correlator.forgetChanges(s, since);
    }
    if (change.to === 'healthy') {
      this.waiting.delete(service);
      if (!this.medic.engine.busy(service)) {
        await this.medic.incidents.onHealthy(service, `${service} healthy again: all checks pass`);
      }
    }
    this.medic.engine.onHealth(service, change.to);
  }

  /** Dependencies the config does not declare but the findings suggest (`medic topology`). */
  suggestions(): TopologySuggestion[] {
    return this.learner.suggestions(this.graph());
  }

  graph(): DependencyGraph {
    const config = this.medic.config().config;
    if (this.graphOf?.config !== config) {
      this.graphOf = { config, graph: DependencyGraph.fromServices(config.services) };
    }
    return this.graphOf.graph;
  }

  /** Resolves when no diagnosis or release started by this path is still running. */
  async idle(): Promise<void> {
    while (this.work.size > 0) await Promise.allSettled([...this.work]);
  }

  stop(): void {
    this.stopping.abort();
  }

  /** Rules (and the model, when configured and the rules are unsure) on the evidence at hand. */
  async diagnoseFinding(f: Finding, incident: Incident): Promise<DiagnoseResult> {
    const cfg = this.medic.config().config;
    const bundle = await gatherEvidence(this.medic, f, incident);
    const llm = this.llmDiagnoser(cfg.llm);
    const timeline = await this.medic.store.timeline(incident.id);
    // Playbooks that may act on this service widen the list the model may pick from ('*' is no cause).
    const forService = Object.entries(cfg.playbooks)
      .filter(([, p]) => p.when.service === '*' || p.when.service === f.service)
      .map(([name]) => name);
    return diagnose(bundle, {
      playbooks: { ...playbookMap(cfg), '*': forService },
      consultBelow: cfg.llm?.consult_below,
      llmAloneCap: cfg.llm?.alone_cap,
      signal: this.stopping.signal,
      llm: llm
        ? {
            diagnoser: llm,
            context: {
              service: f.service,
              title: incident.title,
              openedAt: incident.openedAt,
              timeline: timeline.map((e) => ({ at: e.at, kind: e.kind, message: e.message })),
              logs: bundle.logs ?? [],
            },
          }
        : null,
    });
  }

  /**
   * Before a heal of `service` runs: an upstream in trouble it waits for (nearest first), or null. Suspect
   * upstreams are probed once more first; one that recovered less than `release_after` ago still counts,
   * since the dependent may not have seen it yet.
   */
  upstreamBlocking(service: string): Promise<string | null> {
    return this.upstream.blocking(service, this.medic.config().config.correlation.release_after);
  }

  /**
   * The service flaps: the incident says so and people are told once per incident; the heal still runs,
   * delayed. A hold that stopped heals left services down with nobody told.
   */
  private async onFlapping(f: Finding, incident: Incident, flap: Flapping): Promise<void> {
    const key = `${incident.id}|${f.service}`;
    if (this.flapTold.has(key)) return;
    this.flapTold.add(key);
    const delay = flapDelay(this.medic.config().config, flap);
    const reason = `${f.service} is flapping (${flap.changesLastHour} health changes in the last hour, limit ${flap.limit}): Medic keeps healing it, each heal delayed longer (now ${formatDuration(delay)})`;
    await this.medic.incidents.note(incident.id, reason, { service: f.service, flapping: true, ...flap });
    this.medic.bus.emit('flapping', {
      service: f.service,
      incidentId: incident.id,
      reason,
      changesLastHour: flap.changesLastHour,
      delayMs: delay,
      at: this.clock.now(),
    });
  }

  /**
   * A finding on an incident already handed to a human: a failure of a kind the incident has not seen
   * (another check, another kind) is news for that human, so it is sent, not swallowed.
   */
  private async newFailureWhileEscalated(f: Finding, incident: Incident): Promise<void> {
    const seen = await this.medic.store.listFindings({ incidentId: incident.id, limit: 200 });
    const before = seen.filter(
      (x) => x.id !== f.id && x.service === f.service && x.check === f.check && x.kind === f.kind,
    );
    if (before.length > 0) return;
    this.medic.bus.emit('escalation', {
      service: f.service,
      incidentId: incident.id,
      reason: `new failure while ${incident.service} waits for a human: ${f.summary}`,
      at: this.clock.now(),
    });
  }

  private flapSettleMs(): number {
    return this.medic.config().config.correlation.release_after + FLAP_SETTLE_MS;
  }

  /** Diagnoses the finding, records it, hands it to the engine; resolves with the cause named, if any. */
  private async diagnoseAndHeal(f: Finding, incident: Incident, delayMs = 0): Promise<string | null> {
    this.diagnosing.set(f.service, (this.diagnosing.get(f.service) ?? 0) + 1);
    try {
      return await this.diagnoseAndHand(f, incident, delayMs);
    } finally {
      const n = (this.diagnosing.get(f.service) ?? 1) - 1;
      if (n > 0) this.diagnosing.set(f.service, n);
      else this.diagnosing.delete(f.service);
    }
  }

  /**
   * True while the service's heal is on its way through this path: being diagnosed, or waiting for its
   * root cause's heal (then its own release). What "a heal in progress or due" means before the engine has it.
   */
  covers(service: string): boolean {
    return this.diagnosing.has(service) || this.waiting.has(service);
  }

  private async diagnoseAndHand(f: Finding, incident: Incident, delayMs: number): Promise<string | null> {
    let diagnosis: Diagnosis | undefined;
    let named: string | null = null;
    try {
      const result = await this.diagnoseFinding(f, incident);
      const best = result.best;
      named = best?.cause ?? null;
      const llm = result.llm
        ? result.llm.ok
          ? { ok: true, model: result.llm.model, cause: result.llm.diagnosis.cause }
          : { ok: false, reason: result.llm.reason }
        : null;
      const message = best
        ? `${f.service}: ${best.cause} (confidence ${best.confidence})${best.evidence[0] ? `: ${best.evidence[0]}` : ''}`
        : `${f.service}: no known cause matches the evidence`;
      await this.medic.store.addTimeline(incident.id, this.clock.now(), 'diagnosis', message, {
        service: f.service,
        cause: best?.cause ?? 'unknown',
        confidence: best?.confidence ?? 0,
        evidence: best?.evidence ?? [],
        playbooks: best?.playbooks ?? [],
        target: best?.target ?? null,
        candidates: result.candidates.map((c) => ({ cause: c.cause, confidence: c.confidence })),
        llm,
      });
      // The engine gates its heal on the diagnosis' confidence. A diagnosis that is unsure and proposes no
      // playbook of its own says nothing about the playbook the finding triggers: the engine is told only
      // what it can act on, and the timeline keeps the rest.
      const threshold = this.medic.config().config.policy.confidence_threshold ?? 0.85;
      if (best && (best.playbooks.length > 0 || best.confidence >= threshold)) {
        diagnosis = {
          cause: best.cause,
          confidence: best.confidence,
          evidence: best.evidence,
          playbooks: best.playbooks,
        };
      }
    } catch (err) {
      this.medic.logger.warn({ err: errorMessage(err), service: f.service }, 'diagnosis failed');
    }
    if (this.stopping.signal.aborted) return named;
    // The engine takes an optional diagnosis (cause, confidence, evidence, playbooks) as its third argument.
    this.medic.engine.onFinding(f, incident, diagnosis, delayMs);
    return named;
  }

  /** What an incident of several services still waits for when `healthy` is healthy again. */
  private holding(_incident: Incident, services: readonly string[], healthy: string): string[] {
    return services.filter(
      (s) =>
        s !== healthy &&
        (FAILING.includes(this.medic.health.get(s)) || this.medic.engine.busy(s) || this.waiting.has(s)),
    );
  }

  /** The root is healthy again: each waiting dependent gets `release_after` to recover, then its own heal. */
  private memberHealthy(incident: Incident, service: string, holding: readonly string[]): void {
    if (incident.rootCause !== service) return;
    for (const s of holding) {
      const f = this.waiting.get(s);
      if (f) this.spawn(() => this.release(s, f, incident));
    }
  }

  private async release(service: string, f: Finding, incident: Incident): Promise<void> {
    const grace = this.medic.config().config.correlation.release_after;
    const deadline = this.clock.now() + grace;
    try {
      await this.medic.runChecks(service);
      while (this.clock.now() < deadline && FAILING.includes(this.medic.health.get(service))) {
        await this.clock.sleep(Math.min(250, grace), this.stopping.signal);
      }
    } catch {
      return; // stopping
    }
    if (this.waiting.get(service) !== f) return; // recovered, or a newer finding took over
    this.waiting.delete(service);
    if (!FAILING.includes(this.medic.health.get(service))) return;
    await this.medic.incidents.note(
      incident.id,
      `${service} still fails ${Math.round(grace / 1000)}s after ${incident.rootCause} was healed: its own heal may run`,
      { service },
    );
    await this.diagnoseAndHeal({ ...f, at: this.clock.now() }, incident);
  }

  private llmDiagnoser(cfg: LlmConfig | undefined): LlmDiagnoser | null {
    if (!cfg) return null;
    const key = JSON.stringify(cfg);
    if (this.llm?.key !== key) {
      this.llm = {
        key,
        diagnoser: new LlmDiagnoser(
          {
            baseURL: cfg.base_url,
            model: cfg.model,
            apiKey: cfg.api_key_env ? process.env[cfg.api_key_env] : undefined,
            timeoutMs: cfg.timeout,
            responseFormat: cfg.response_format,
            maxLogLines: cfg.max_log_lines,
            breaker: { failures: cfg.breaker.failures, cooldownMs: cfg.breaker.cooldown },
          },
          this.clock,
        ),
      };
    }
    return this.llm.diagnoser;
  }

  private makeCorrelator(): Correlator {
    const c = this.medic.config().config.correlation;
    this.correlatorKey = JSON.stringify([c.group_window, c.dedupe_window, c.max_changes_per_hour]);
    const view: CorrelationView = {
      activeIncidents: () => [...this.view.values()],
      graph: () => this.graph(),
      isFailing: (s) => FAILING.includes(this.medic.health.get(s)),
    };
    return new Correlator(this.clock, view, {
      groupWindowMs: c.group_window,
      dedupeWindowMs: c.dedupe_window,
      maxChangesPerHour: c.max_changes_per_hour,
    });
  }

  private currentCorrelator(): Correlator {
    const c = this.medic.config().config.correlation;
    const key = JSON.stringify([c.group_window, c.dedupe_window, c.max_changes_per_hour]);
    if (key !== this.correlatorKey) this.correlator = this.makeCorrelator();
    return this.correlator;
  }

  /** The correlator's view starts from the store's active incidents (a restarted Medic keeps its incidents). */
  private loadView(): Promise<void> {
    this.viewLoaded ??= (async () => {
      const { items } = await this.medic.store.listIncidents({ state: 'active', limit: 500 });
      for (const i of items) {
        const services = await this.medic.store.incidentServices(i.id);
        const [last] = await this.medic.store.listFindings({ incidentId: i.id, limit: 1 });
        this.view.set(i.id, {
          id: i.id,
          rootCause: i.rootCause ?? i.service,
          services,
          openedAt: i.openedAt,
          lastFindingAt: last?.at ?? i.openedAt,
        });
      }
    })();
    return this.viewLoaded;
  }

  private applyToView(d: CorrelationDecision, f: Finding, incident: Incident): void {
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

  private inActive(service: string): boolean {
    return [...this.view.values()].some((i) => i.services.includes(service));
  }

  private spawn(work: () => Promise<void>): void {
    const p = work()
      .catch((err) => this.medic.logger.error({ err: errorMessage(err) }, 'finding path failed'))
      .finally(() => this.work.delete(p));
    this.work.add(p);
  }
}

/** How long after an upstream recovers its dependents' health changes are still its doing, past release_after. */
const FLAP_SETTLE_MS = 60_000;

/** The delay of a flapping service's heal: `correlation.flapping_backoff` per episode past the limit. */
export function flapDelay(config: MedicConfig, flap: Flapping): number {
  const { initial, factor, max } = config.correlation.flapping_backoff;
  return Math.min(max, initial * factor ** (flap.over - 1));
}

/** cause → playbooks that declare it in `when.cause`, in config order. */
export function playbookMap(config: MedicConfig): PlaybookMap {
  const out: Record<string, string[]> = {};
  for (const [name, p] of Object.entries(config.playbooks)) {
    const cause = (p.when as { cause?: unknown }).cause;
    const causes = Array.isArray(cause) ? cause : typeof cause === 'string' ? [cause] : [];
    for (const c of causes) {
      if (typeof c === 'string') out[c] = [...(out[c] ?? []), name];
    }
  }
  return out;
}
