import type { Logger } from 'pino';
import type { Bus, Diagnosis, Finding, Incident, ServiceHealth } from '../core/index.js';
import { errorMessage } from '../core/index.js';
import type { HealthChange, HealthModel } from '../detect/index.js';
import type { DependencyGraph, IncidentManager, TopologySuggestion } from '../incidents/index.js';
import type { RemediationEngine } from '../remediate/index.js';
import { readStat } from '../sources/index.js';
import { Correlation } from './correlation.js';
import { Dependents } from './dependents.js';
import { Diagnoser } from './diagnoser.js';
import type { EvidenceHost } from './host.js';
import { flapDelay, Notices } from './notices.js';
import { TELEMETRY_CHECK } from './telemetry/gate.js';
import { UpstreamWatch } from './upstream.js';

/** What the finding path reads of the daemon and whom it hands heals to. */
export interface FindingHost extends EvidenceHost {
  readonly bus: Bus;
  readonly logger: Logger;
  readonly health: HealthModel;
  readonly incidents: IncidentManager;
  readonly engine: Pick<RemediationEngine, 'onFinding' | 'onHealth' | 'busy' | 'decisionDue' | 'backups'>;
  runChecks(service?: string): Promise<void>;
}

const FAILING: readonly ServiceHealth[] = ['down', 'degraded'];
const REDIAGNOSE_MS = 30_000;
/** How long after an upstream recovers its dependents' health changes are still its doing, past release_after. */
const FLAP_SETTLE_MS = 60_000;

/**
 * The finding path of DESIGN.md between detect and remediate: each finding goes through the correlator
 * (open, attach or merge, with the upstream-most failing dependency as root cause, flapping or not); only
 * the root cause's findings are diagnosed (outside the service lane, since a model may take seconds) and
 * handed to the engine with the diagnosis. Dependents wait for their root's heal (dependents.ts). An incident
 * resolves only when every attached service is healthy.
 */
export class FindingPath {
  private readonly correlation: Correlation;
  private readonly dependents: Dependents;
  private readonly diagnoser: Diagnoser;
  private readonly notices: Notices;
  private readonly upstream: UpstreamWatch;
  private readonly work = new Set<Promise<void>>();
  private readonly stopping = new AbortController();
  /**
   * The last diagnosis per service, so a second check failing moments later does not diagnose again, unless
   * that diagnosis named no cause and the finding brings evidence of a source not seen yet (a probe may
   * report a dead process before the supervisor's exit does).
   */
  private readonly diagnosed = new Map<
    string,
    {
      incidentId: string;
      at: number;
      known: boolean;
      sources: Set<string>;
      pid: number | null;
      /** The latest finding diagnosed: what a look again after a failed heal diagnoses. */
      finding: Finding;
    }
  >();
  /**
   * Each failing service's latest finding (duplicates aside), held or diagnosed: what it is looked at again by
   * when an upstream it waited for is well again.
   */
  private readonly latest = new Map<string, Finding>();
  /** Services with a diagnosis running (a count: several findings may be diagnosed at once). */
  private readonly diagnosing = new Map<string, number>();

  constructor(private readonly host: FindingHost) {
    const failing = (s: string) => FAILING.includes(host.health.get(s));
    this.correlation = new Correlation({
      clock: host.clock,
      store: host.store,
      config: () => host.config().config,
      failing,
    });
    this.diagnoser = new Diagnoser(host);
    this.notices = new Notices({ ...host, config: () => host.config().config });
    this.dependents = new Dependents({
      clock: host.clock,
      incidents: host.incidents,
      health: (s) => host.health.get(s),
      busy: (s) => host.engine.busy(s),
      runChecks: (s) => host.runChecks(s),
      releaseAfter: () => host.config().config.correlation.release_after,
      telemetryGrace: (s) => {
        const failingChecks = host.health
          .checks(s)
          .filter((c) => c.state === 'down' || c.state === 'degraded');
        if (failingChecks.length === 0 || failingChecks.some((c) => c.name !== TELEMETRY_CHECK)) return 0;
        const quiet = host.config().config.services[s]?.logs?.novelty.quiet ?? 0;
        // A second past it: the gate's tick lifts the hold after the quiet has passed.
        return quiet > 0 ? quiet + 1_000 : 0;
      },
      heal: async (f, incident) => {
        // A heal already on its way (decided before, held while the upstream failed, now free to run) was
        // decided on the diagnosis made then; one made now, of a process it may be restarting, says nothing.
        if (host.engine.decisionDue(f.service)) return;
        await this.diagnoseAndHeal(f, incident);
      },
      unattended: (s, incident) => this.unattended(s, incident),
      spawn: (work) => this.spawn(work),
      signal: this.stopping.signal,
    });
    this.upstream = new UpstreamWatch({
      clock: host.clock,
      graph: () => this.correlation.graph(),
      failing,
      suspect: (s) => host.health.suspect(s),
      runChecks: (s) => host.runChecks(s),
      stopped: async (s) => {
        const pid = host.supervisor.pid(s);
        const state = pid === null ? null : (await readStat(pid))?.state;
        return state === 'T' || state === 't';
      },
    });
    host.incidents.setGate({
      holding: (_incident, services, healthy) => this.dependents.holding(services, healthy),
      memberHealthy: (incident, service, holding) =>
        this.dependents.memberHealthy(incident, service, holding),
      heldForHuman: (incident, service) => this.heldForHuman(incident, service),
    });
    host.bus.on('heal:failed', ({ service, incidentId }) => this.lookAgain(service, incidentId));
    host.bus.on('incident', ({ incident, change }) => {
      if (change === 'resolved' || change === 'suppressed') {
        this.correlation.close(incident.id);
        this.notices.forget(incident.id);
        this.dependents.prune((s) => this.correlation.inActive(s));
      }
    });
  }

  /** A finding (from probes, the supervisor, alerts, logs...): correlate, record, maybe diagnose and heal. */
  async onFinding(found: Finding): Promise<void> {
    const f = this.withPid(found);
    const d = await this.correlation.decide(f);
    const { incident, duplicate } = await this.host.incidents.record(d, f);
    this.correlation.apply(d, f, incident);
    if (d.flapping && (await this.upstreamExplains(f))) d.flapping = null;
    if (d.flapping) await this.notices.flapping(f, incident, d.flapping);
    const fresh = this.notices.episode(f, incident);
    if (incident.state === 'escalated' && !duplicate) await this.notices.whileEscalated(f, incident, fresh);
    if (duplicate) return;
    this.latest.set(f.service, f);
    if (!d.heal) {
      if (this.dependents.wait(f)) {
        await this.host.incidents.note(
          incident.id,
          `${f.service} waits for ${d.rootCause}, which it depends on: no action on ${f.service} until ${d.rootCause}'s heal verifies`,
          { service: f.service, rootCause: d.rootCause },
        );
      }
      return;
    }
    this.dependents.drop(f.service);
    const source = `${f.kind}:${f.check}`;
    const last = this.diagnosed.get(f.service);
    // A finding about another process than the one diagnosed (a heal or keepalive started it since) is about
    // new trouble: the restarted process hung, not the trouble its restart was for.
    const pid = this.host.supervisor.pid(f.service);
    // (No process now: the one diagnosed is gone, which its trouble or its heal explains.)
    const sameProcess = !last || pid === null || last.pid === pid;
    if (last && last.incidentId === incident.id && f.at - last.at < REDIAGNOSE_MS && sameProcess) {
      // Another check of the same trouble, moments after the first: recorded, and the heal already on its
      // way (or running) covers it. An unknown cause is looked at again with the new evidence, and so is a
      // new kind of failure of an escalated incident (no heal is on its way: the human it waits for reads
      // what this failure is). Every exit of the process is diagnosed: each is an event of its own, with
      // its own last words, which a disk or memory trend did not make (the retry must fit it); restarts'
      // backoff bounds how often.
      const exit = 'code' in f.evidence || 'signal' in f.evidence;
      if (!exit && last.sources.has(source)) return;
      if (!exit && last.known && incident.state !== 'escalated') return;
      last.sources.add(source);
      last.finding = f;
    } else {
      this.diagnosed.set(f.service, {
        incidentId: incident.id,
        at: f.at,
        known: false,
        sources: new Set([source]),
        pid,
        finding: f,
      });
    }
    const entry = this.diagnosed.get(f.service);
    const delayMs = d.flapping ? flapDelay(this.host.config().config, d.flapping) : 0;
    this.spawn(async () => {
      const cause = await this.diagnoseAndHeal(f, incident, delayMs);
      if (cause && this.diagnosed.get(f.service) === entry && entry) entry.known = true;
    });
  }

  /**
   * A check's finding about a supervised service names the process that runs now (null: none): the same
   * check failing for the process a restart started since is new trouble of a new process, not a repeat
   * (a restart onto a bad release failed the health check that had failed while nothing ran, and was never
   * diagnosed again). An exit names the process that exited already.
   */
  private withPid(f: Finding): Finding {
    if ('pid' in f.evidence || !this.host.config().config.services[f.service]?.run) return f;
    return { ...f, evidence: { ...f.evidence, pid: this.host.supervisor.pid(f.service) } };
  }

  /**
   * A service's overall health changed: flapping count (`flapCounts`: false for the telemetry check's
   * episodes), incident resolution, the engine's guard timers.
   */
  async onHealth(service: string, change: HealthChange, at: number, flapCounts = true): Promise<void> {
    const into = FAILING.includes(change.to) && !FAILING.includes(change.from);
    if (into) this.notices.failing(service, at);
    const outOf = !FAILING.includes(change.to) && FAILING.includes(change.from);
    // A change that follows from an upstream's trouble (the app fails while its cache is down, and recovers
    // when the cache does) is the upstream's flapping, not the dependent's own. Nor are the changes a heal
    // of the service makes (a restarting process refuses connections for a moment): a crash that Medic
    // heals is one change, a service that fails and recovers by itself two.
    const own =
      this.upstream.troubled(service, this.flapSettleMs(), true) === null && !this.host.engine.busy(service);
    this.upstream.note(service, FAILING.includes(change.to), at);
    if (flapCounts && own && (into || outOf)) this.correlation.noteChange(service, this.host.clock.now());
    // Trouble here explains what its dependents went through just before it showed.
    if (into) {
      const since = at - this.flapSettleMs();
      for (const s of this.graph().downstreamOf(service)) this.correlation.forgetChanges(s, since);
    }
    if (change.to === 'healthy') {
      this.dependents.drop(service);
      this.notices.recovered(service, at);
      // The trouble diagnosed is over: the next failure is new, even within REDIAGNOSE_MS and in the same
      // incident (still open for a dependent), and gets its own diagnosis and heal.
      this.diagnosed.delete(service);
      this.latest.delete(service);
      this.correlation.recovered(service);
      this.relookDependents(service);
      if (!this.host.engine.busy(service)) {
        await this.host.incidents.onHealthy(service, `${service} healthy again: all checks pass`);
      }
    }
    this.host.engine.onHealth(service, change.to);
  }

  /**
   * A heal decided on no known cause failed: before its retry, the service is diagnosed again, on the
   * evidence grown since (probes of a new release failing since it went live, lines logged after the first
   * look). A cause found now steers the retry to its playbook; still none, and the retry goes on as it was.
   */
  private lookAgain(service: string, incidentId: string): void {
    const entry = this.diagnosed.get(service);
    if (!entry || entry.known || entry.incidentId !== incidentId || this.stopping.signal.aborted) return;
    this.spawn(async () => {
      const incident = await this.host.store.getIncident(incidentId);
      if (!incident || incident.state === 'resolved' || incident.state === 'suppressed') return;
      const cause = await this.diagnoseAndHeal(entry.finding, incident);
      if (cause && this.diagnosed.get(service) === entry) entry.known = true;
    });
  }

  /**
   * `upstream` is healthy again. A dependent that still fails with a heal of its own running or due was judged
   * while the upstream failed: its findings since were held (it waited) or diagnosed through that trouble, and
   * the heal in hand was decided for what it showed before. It is diagnosed again at once on its latest
   * finding, and the engine hears of it: a verification of a heal for another cause ends (its playbook does
   * not treat the cause named now) and the retry follows the fresh look, rather than the verification waiting
   * out its window. A dependent with no heal due keeps its release after `release_after` (dependents.ts).
   */
  private relookDependents(upstream: string): void {
    for (const s of this.graph().downstreamOf(upstream)) {
      if (this.latest.has(s) && this.host.engine.decisionDue(s)) this.spawn(() => this.relook(s, upstream));
    }
  }

  private async relook(service: string, upstream: string): Promise<void> {
    await this.host.runChecks(service);
    // Well by itself once its upstream was; or still failing with another upstream down, which explains it.
    if (!FAILING.includes(this.host.health.get(service))) return;
    if (this.upstream.troubled(service, 0) !== null) return;
    const f = this.latest.get(service);
    const incident = await this.host.store.activeIncident(service);
    if (!f || !incident || this.stopping.signal.aborted || !this.host.engine.decisionDue(service)) return;
    await this.host.incidents.note(
      incident.id,
      `${upstream} is healthy again and ${service} still fails with its heal under way: ${service} is diagnosed again`,
      { service, upstream },
    );
    // The look made now is the service's diagnosis: a failed heal's second look (lookAgain) must not go back
    // to a finding from before it.
    const entry = {
      incidentId: incident.id,
      at: f.at,
      known: false,
      sources: new Set([`${f.kind}:${f.check}`]),
      pid: this.host.supervisor.pid(service),
      finding: f,
    };
    this.diagnosed.set(service, entry);
    const cause = await this.diagnoseAndHeal(f, incident);
    if (cause && this.diagnosed.get(service) === entry) entry.known = true;
  }

  /** Members of the incident other than `service` still failing whose heal is held (escalated) for a human. */
  private async heldForHuman(incident: Incident, service: string): Promise<string[]> {
    const held: string[] = [];
    for (const s of await this.host.store.incidentServices(incident.id)) {
      if (s === service || !FAILING.includes(this.host.health.get(s))) continue;
      if ((await this.host.store.getGuardState(s))?.escalated) held.push(s);
    }
    return held;
  }

  /**
   * The incident's root is healthy again but a member still fails whose heal Medic holds (escalated earlier,
   * within this incident or before it): the incident goes back to a human, or it would sit "verifying" a heal
   * that is over with the member down and nobody told.
   */
  private async unattended(service: string, incident: Incident): Promise<Finding | null> {
    if (this.host.engine.decisionDue(service) || !FAILING.includes(this.host.health.get(service)))
      return null;
    const guard = await this.host.store.getGuardState(service);
    if (!guard?.escalated) {
      // Not held: no heal of it is due, and the incident's state says a heal is on its way. It gets its
      // turn as a dependent does, after release_after, on its latest finding.
      const entry = this.diagnosed.get(service);
      return entry && entry.incidentId === incident.id ? entry.finding : null;
    }
    const current = await this.host.store.getIncident(incident.id);
    if (!current || current.state === 'escalated' || current.state === 'resolved') return null;
    const why = `${current.rootCause ?? current.service} is healthy again, but ${service} still fails and Medic holds its heal (escalated: it waits for a human or a healthy period); a human is needed`;
    await this.host.incidents.move(current, 'escalated', why);
    this.host.bus.emit('escalation', {
      service,
      incidentId: current.id,
      reason: why,
      at: this.host.clock.now(),
    });
    return null;
  }

  /**
   * True when an upstream of the finding's service is in trouble once probed again: the service's changes
   * follow from it (a proxy's check can fail before the hung app's own does, more so on a loaded machine),
   * so they are forgotten and the service is not called flapping.
   */
  private async upstreamExplains(f: Finding): Promise<boolean> {
    if (this.graph().upstreamOf(f.service).size === 0) return false;
    if ((await this.upstreamBlocking(f.service)) === null) return false;
    this.correlation.forgetChanges(f.service, f.at - this.flapSettleMs());
    return true;
  }

  /**
   * Before a heal of `service` runs: an upstream in trouble it waits for (nearest first), or null. Every
   * upstream is probed once more first; one that recovered less than `release_after` ago still counts,
   * since the dependent may not have seen it yet.
   */
  upstreamBlocking(service: string): Promise<string | null> {
    return this.upstream.blocking(service, this.host.config().config.correlation.release_after);
  }

  /**
   * The engine's fresh look before a heal (an upstream it waited for is well again): recorded on the incident,
   * and what the heal may act on returned, not acted on here.
   */
  async diagnoseAgain(f: Finding, incidentId: string): Promise<Diagnosis | null> {
    const incident = await this.host.store.getIncident(incidentId);
    if (!incident || incident.state === 'resolved' || incident.state === 'suppressed') return null;
    const { diagnosis } = await this.diagnose(f, incident);
    return diagnosis ?? null;
  }

  /** Diagnoses and records, counted in `diagnosing` meanwhile (the heal is on its way: `covers`). */
  private async diagnose(f: Finding, incident: Incident) {
    this.diagnosing.set(f.service, (this.diagnosing.get(f.service) ?? 0) + 1);
    try {
      return await this.diagnoser.diagnoseAndRecord(f, incident, this.stopping.signal);
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
    return this.diagnosing.has(service) || this.dependents.has(service);
  }

  /** Dependencies the config does not declare but the findings suggest (`medic topology`). */
  suggestions(): TopologySuggestion[] {
    return this.correlation.suggestions();
  }

  graph(): DependencyGraph {
    return this.correlation.graph();
  }

  /** Resolves when no diagnosis or release started by this path is still running. */
  async idle(): Promise<void> {
    while (this.work.size > 0) await Promise.allSettled([...this.work]);
  }

  stop(): void {
    this.stopping.abort();
  }

  private flapSettleMs(): number {
    return this.host.config().config.correlation.release_after + FLAP_SETTLE_MS;
  }

  /** Diagnoses the finding, records it, hands it to the engine; resolves with the cause named, if any. */
  private async diagnoseAndHeal(f: Finding, incident: Incident, delayMs = 0): Promise<string | null> {
    const { diagnosis, named } = await this.diagnose(f, incident);
    if (!this.stopping.signal.aborted) this.host.engine.onFinding(f, incident, diagnosis, delayMs);
    return named;
  }

  private spawn(work: () => Promise<void>): void {
    const p = work()
      .catch((err) => this.host.logger.error({ err: errorMessage(err) }, 'finding path failed'))
      .finally(() => this.work.delete(p));
    this.work.add(p);
  }
}
