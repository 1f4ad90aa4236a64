import path from 'node:path';
import type { Action, Diagnosis, Finding, Incident, ServiceHealth, TimerHandle } from '../core/index.js';
import { errorMessage, formatDuration } from '../core/index.js';
import { Learner } from '../learn/index.js';
import type { HealingSwitch, Silence } from '../store/index.js';
import { Approvals } from './approvals.js';
import type { BackupRecord } from './backup-record.js';
import { Backups } from './backups.js';
import { Controls, type NewSilence } from './controls.js';
import { Decider } from './decide.js';
import type { EngineDeps } from './deps.js';
import { Keeper } from './keeper.js';
import { KnownGood } from './known-good.js';
import { type OperatorRunResult, OperatorRuns } from './operator-run.js';
import { Outcomes } from './outcomes.js';
import { matchPlaybooks } from './playbooks.js';
import { reconcile } from './reconcile.js';
import { type Context, type Run, UNKNOWN_CAUSE } from './run.js';
import { fileRules } from './safe-path.js';
import { HealScheduler } from './scheduler.js';
import { StepRunner } from './step-runner.js';

export type { NewSilence } from './controls.js';
export type { OperatorRunResult } from './operator-run.js';

/** How long a finding no playbook covers waits for the service's health to follow it before a human is told. */
const UNHANDLED_SETTLE_MS = 1_000;
/** How often such a finding is looked at again while an upstream of its service fails. */
const UNHANDLED_UPSTREAM_RECHECK_MS = 2_000;

export type { EngineDeps } from './deps.js';

/**
 * Decides and runs heals. A finding (with its diagnosis, if any) picks the candidate playbooks, the learner
 * ranks them by how well each did for that cause, the best is planned (a plan out of bounds is refused), the
 * guard rules on it, the journal records each step before it runs; at execution each step's files are
 * backed up (journaled `backed_up`), it applies with its timeout and retries, verification re-checks the
 * service, and a failed heal rolls the applied steps back in reverse order, backs off, then escalates. Every
 * outcome teaches the learner. One heal per service at a time.
 *
 * This class is the public face and the wiring only: it takes the daemon's events and the operator's
 * commands and hands them to the parts (scheduler.ts, decide.ts, step-runner.ts, outcomes.ts, approvals.ts,
 * controls.ts, reconcile.ts), which reach each other only through the callbacks given here.
 */
export class RemediationEngine {
  readonly backups: Backups;
  readonly learner: Learner;
  /** Records each service's `config_files` as known good while it stays healthy (known-good.ts). */
  readonly knownGood: KnownGood;
  private readonly contexts = new Map<string, Context>();
  private readonly healthyTimers = new Map<string, TimerHandle>();
  private readonly stopping = new AbortController();
  private readonly scheduler: HealScheduler;
  private readonly controls: Controls;
  private readonly approvals: Approvals;
  private readonly runner: StepRunner;
  private readonly decider: Decider;
  private readonly keeper: Keeper;
  private readonly operatorRuns: OperatorRuns;
  private readonly offIncident: () => void;
  /** One pending look per service at a finding no playbook covers: a newer finding replaces the older. */
  private readonly unhandledTimers = new Map<string, TimerHandle>();

  constructor(private readonly d: EngineDeps) {
    this.backups =
      d.backups ??
      new Backups({
        dataDir: path.resolve(d.config().baseDir, d.config().config.store.dir),
        clock: d.clock,
        files: () => fileRules(d.config()),
      });
    this.learner = d.learner ?? new Learner(d.store, d.clock, () => d.config().config.policy.learning);
    this.knownGood = new KnownGood(d, this.backups, (service) => this.scheduler.busy(service));
    const signal = this.stopping.signal;
    // The scheduler and the decider call each other (a decision may schedule a retry); the closure breaks
    // the knot at construction: `this.decider` is set before any timer can fire.
    this.scheduler = new HealScheduler(d, signal, (service, only) => this.decider.decide(service, only));
    const outcomes = new Outcomes(d, signal, (service, delay, only) =>
      this.scheduler.schedule(service, delay, only),
    );
    this.runner = new StepRunner(d, this.backups, signal, outcomes, (run) => this.superseded(run));
    this.controls = new Controls(d, this.backups, () => this.scheduler.retryBlocked());
    this.approvals = new Approvals(d, {
      stopped: async () => (await this.controls.healingSwitch()).stopped,
      busy: (service) => this.scheduler.busy(service),
      context: (service) => this.contexts.get(service),
      track: (service, work) => void this.scheduler.track(service, work),
      guard: (run, ctx) =>
        this.decider.guard(
          run,
          ctx,
          { value: run.confidence, why: `confidence ${run.confidence.toFixed(2)}` },
          true,
        ),
      notRun: (run, decision) => this.decider.notRun(run, decision),
      execute: (run, approved) => this.runner.execute(run, approved),
      // A decision already due (a retry after a backoff) decides it in its time.
      reopen: (service) => {
        if (!this.scheduler.waiting(service)) this.scheduler.schedule(service, 0);
      },
    });
    this.decider = new Decider(d, this.learner, {
      context: (service) => this.contexts.get(service),
      expireApprovals: () => this.approvals.expireApprovals(),
      awaitApproval: (runId) => this.approvals.armTimer(runId),
      execute: (run, planned) => this.runner.execute(run, null, planned),
      inFlight: (service) => this.runner.inFlight(service),
      escalate: (run, why) => outcomes.escalate(run, why),
      schedule: (service, delay, only) => this.scheduler.schedule(service, delay, only),
      block: (service) => this.scheduler.block(service),
      unhandled: (f, setAside) => this.unhandled(f, setAside),
      rediagnose: (service) => this.rediagnose(service),
    });
    this.operatorRuns = new OperatorRuns(d, {
      context: (service) => this.contexts.get(service),
      busy: (service) => this.scheduler.busy(service),
      track: (service, work) => void this.scheduler.track(service, work),
      guard: (run, ctx, confidence) => this.decider.guard(run, ctx, confidence),
      execute: (run, steps) => this.runner.execute(run, steps),
      awaitApproval: (runId) => this.approvals.armTimer(runId),
    });
    this.keeper = new Keeper(d, signal, {
      pending: (service) => this.scheduler.busy(service) || this.scheduler.waiting(service),
      track: (service, work) => this.scheduler.track(service, work),
    });
    // A heal waiting for approval is moot once its incident ends: approving it later must not run it.
    this.offIncident = d.bus.on('incident', ({ incident, change }) => {
      if (change !== 'resolved' && change !== 'suppressed') return;
      void this.approvals
        .incidentEnded(incident.id, `incident ${change} before approval`)
        .catch((err) => d.logger.warn({ err: errorMessage(err) }, 'skipping moot approvals failed'));
    });
  }

  /**
   * A finding arrived for an incident, perhaps with a diagnosis: heal it if a playbook matches, once the
   * shortest `for` of the candidates has held and at least `minDelayMs` passed (a flapping service's delay).
   */
  onFinding(f: Finding, incident: Incident, diagnosis?: Diagnosis | null, minDelayMs = 0): void {
    const cfg = this.d.config().config;
    const prev = this.contexts.get(f.service);
    // A later finding without a diagnosis keeps the diagnosis already made for the service in this incident;
    // one made in an earlier incident says nothing of this one (a bad release's diagnosis, kept, rolled back
    // the release for every later trouble of the API).
    // Nor does an exit inherit it: the process died, and what was diagnosed of it alive (a saturated
    // database's sessions) is not what brings it back.
    const exit = 'code' in f.evidence || 'signal' in f.evidence;
    const same = prev?.incidentId === incident.id && !exit ? prev : undefined;
    const next: Context = {
      finding: f,
      diagnosis: diagnosis ?? same?.diagnosis ?? null,
      incidentId: incident.id,
    };
    const matches = matchPlaybooks(cfg, f, next.diagnosis);
    const due = this.scheduler.busy(f.service) || this.scheduler.waiting(f.service);
    // While a heal is due, a finding no playbook covers does not displace the one of the same incident that
    // it was decided for (a killed process fails its port check just after its process check: the restart
    // decided for the first must still find its trigger when it runs).
    if (due && matches.length === 0 && prev && prev.incidentId === incident.id) {
      const kept = { ...prev, diagnosis: next.diagnosis };
      if (matchPlaybooks(cfg, kept.finding, kept.diagnosis).length > 0) {
        this.contexts.set(f.service, kept);
        return;
      }
    }
    this.contexts.set(f.service, next);
    const wait = f.at + Math.min(...matches.map((m) => m.playbook.when.for)) - this.d.clock.now();
    if (due) {
      // A decision waiting for another finding's `for` (a probe's grace) comes forward for this one's playbook
      // (the process found dead meanwhile is healed at once).
      if (matches.length > 0 && !this.scheduler.busy(f.service))
        this.scheduler.sooner(f.service, Math.max(0, wait, minDelayMs));
      return;
    }
    if (matches.length === 0) {
      void this.d.incidents.note(incident.id, `no playbook matches this ${f.kind} finding: watching only`);
      this.unhandled(f);
      return;
    }
    this.scheduler.schedule(f.service, Math.max(0, wait, minDelayMs));
  }

  /**
   * The service's context with a fresh diagnosis (`diagnoseAgain`); a newer finding that arrived meanwhile
   * keeps its own context.
   */
  private async rediagnose(service: string): Promise<Context | undefined> {
    const ctx = this.contexts.get(service);
    if (!ctx?.incidentId || !this.d.diagnoseAgain) return ctx;
    // A look that fails leaves the diagnosis made before: the heal is decided on it rather than not at all.
    const diagnosis = await this.d.diagnoseAgain(ctx.finding, ctx.incidentId).catch((err: unknown) => {
      this.d.logger.warn({ err: errorMessage(err), service }, 'diagnosing again failed');
      return ctx.diagnosis;
    });
    const now = this.contexts.get(service);
    if (now !== ctx) return now;
    const next = { ...ctx, diagnosis };
    this.contexts.set(service, next);
    return next;
  }

  /**
   * A heal being verified while the service, still failing, was diagnosed since with a cause the heal's
   * playbook does not treat (a restart decided on an exit, then the new process's failures read as a bad
   * release the restart runs again): the verification need not wait out its window, and the retry gives
   * way to that cause's playbooks. Null while the heal may still be the right one.
   */
  private superseded(run: Run): string | null {
    const ctx = this.contexts.get(run.service);
    const cause = ctx?.diagnosis?.cause;
    if (!ctx || !cause || cause === UNKNOWN_CAUSE || cause === run.cause) return null;
    if (ctx.incidentId !== run.incident.id) return null;
    const matches = matchPlaybooks(this.d.config().config, ctx.finding, ctx.diagnosis);
    if (matches.length === 0 || matches.some((m) => m.name === run.name)) return null;
    return `${run.service} still fails and was diagnosed ${cause} since, which ${run.name} does not treat (${matches.map((m) => m.name).join(', ')} ${matches.length === 1 ? 'does' : 'do'})`;
  }

  /**
   * No playbook covers the finding. Watching only is a hold like any other: if the service is still failing a
   * moment later (its health follows the finding) with no heal running or due, its incident is handed to a
   * human, once, so nobody is left to guess that Medic will not act. The guard is untouched: a later finding
   * a playbook does match is still healed.
   */
  private unhandled(f: Finding, setAside: readonly string[] = [], delay = UNHANDLED_SETTLE_MS): void {
    const pending = this.unhandledTimers.get(f.service);
    if (pending) this.d.clock.clearTimeout(pending);
    const timer = this.d.clock.setTimeout(() => {
      this.unhandledTimers.delete(f.service);
      void this.escalateUnhandled(f, setAside).catch((err) =>
        this.d.logger.warn(
          { err: errorMessage(err), service: f.service },
          'escalating an unhandled finding failed',
        ),
      );
    }, delay);
    this.unhandledTimers.set(f.service, timer);
  }

  private async escalateUnhandled(f: Finding, setAside: readonly string[]): Promise<void> {
    if (this.stopping.signal.aborted || this.healDue(f.service)) return;
    const health = this.d.health(f.service);
    if (health !== 'down' && health !== 'degraded') return;
    const current = await this.d.store.activeIncident(f.service);
    if (!current || current.state === 'escalated') return;
    // An upstream it depends on is failing: that is what it fails by (a proxy's 502 while its app is down),
    // and the upstream's own incident has its heal or its human. Looked at again until the upstream is well.
    if (await this.d.upstreamBlocking?.(f.service)) {
      this.unhandled(f, setAside, UNHANDLED_UPSTREAM_RECHECK_MS);
      return;
    }
    const matches =
      setAside.length > 0
        ? `no playbook that applies matches its ${f.kind} finding (${f.summary}; set aside, they found nothing to do: ${setAside.join(', ')})`
        : `no playbook matches its ${f.kind} finding (${f.summary})`;
    const why = `${f.service} is ${health} and ${matches}: a human is needed`;
    await this.d.incidents.move(current, 'escalated', why);
    this.d.bus.emit('escalation', {
      service: f.service,
      incidentId: current.id,
      reason: why,
      at: this.d.clock.now(),
    });
  }

  /**
   * A supervised process exited without being asked to (or could not start): whatever the playbooks'
   * rails decide, it is started again with a capped backoff unless a heal starts it first (keeper.ts).
   */
  onExit(service: string, pid?: number): void {
    this.keeper.onExit(service, pid);
  }

  /** True while a playbook's heal of the service runs or is decided and due (a keepalive start aside). */
  decisionDue(service: string): boolean {
    return this.scheduler.busy(service) || this.scheduler.waiting(service);
  }

  /** True while a heal of the service runs or is due: a playbook's, a retry after backoff, or a keepalive. */
  healDue(service: string): boolean {
    return this.decisionDue(service) || this.keeper.due(service);
  }

  /**
   * A healthy service needs no pending decision; staying healthy for `policy.healthy_reset` resets its guard,
   * and for `policy.known_good_after` records its `config_files` as known good.
   */
  onHealth(service: string, to: ServiceHealth): void {
    const timer = this.healthyTimers.get(service);
    if (timer) this.d.clock.clearTimeout(timer);
    this.healthyTimers.delete(service);
    this.knownGood.onHealth(service, to);
    if (to !== 'healthy') return;
    this.scheduler.cancel(service);
    this.scheduler.unblock(service);
    const window = this.d.config().config.policy.healthy_reset;
    this.healthyTimers.set(
      service,
      this.d.clock.setTimeout(() => {
        this.healthyTimers.delete(service);
        this.keeper.reset(service);
        void this.resetGuard(service, 'medic', `healthy for ${formatDuration(window)}`);
      }, window),
    );
  }

  /**
   * The config now starts the service differently (a human changed its `run`): the failed heals, escalation
   * and keepalive backoff of the old command say nothing about the new one. Its next failure is healed as a
   * first one; a fix that did not work is escalated again after `max_failed_heals`, telling the human so.
   */
  async runChanged(service: string): Promise<void> {
    // The backoff starts over. Not expedited: the reload starts the new command itself, and a keepalive timer
    // fired now could race that start; if the new command cannot start, its exit re-arms the keeper afresh.
    this.keeper.reset(service);
    await this.resetGuard(service, 'medic', 'its run changed in the config');
  }

  // ---- the operator's controls: what the API and CLI drive (controls.ts) ----

  /**
   * Forgets failed heals and an escalation: a human said so, or the service stayed healthy. A human's reset
   * means "act on it again": a service still failing is decided at once (no new finding would come to do it
   * while it stays down). True when that decision was scheduled.
   */
  async resetGuard(service: string, actor: string, reason: string): Promise<boolean> {
    await this.controls.resetGuard(service, actor, reason);
    if (actor === 'medic') return false;
    this.keeper.expedite(service);
    const failing = this.d.health(service) !== 'healthy' && this.contexts.has(service);
    if (!failing || this.scheduler.busy(service)) return false;
    this.scheduler.schedule(service, 0);
    return true;
  }

  healingSwitch(): Promise<HealingSwitch> {
    return this.controls.healingSwitch();
  }

  /** Stops every new heal (running steps finish) until `resumeHealing`. */
  stopHealing(actor: string, reason: string): Promise<HealingSwitch> {
    return this.controls.stopHealing(actor, reason);
  }

  /** Lets heals run again; services a stop refused are decided again now. */
  resumeHealing(actor: string, reason: string): Promise<HealingSwitch> {
    return this.controls.resumeHealing(actor, reason);
  }

  createSilence(input: NewSilence, actor: string): Promise<Silence> {
    return this.controls.createSilence(input, actor);
  }

  /** Ends a silence now; what it held back is decided again. */
  expireSilence(id: string, actor: string): Promise<Silence> {
    return this.controls.expireSilence(id, actor);
  }

  /** Restores a backup; the current content is backed up first, so the rollback itself can be undone. */
  rollbackBackup(
    backupId: string,
    actor: string,
  ): Promise<{ restored: BackupRecord; previous: BackupRecord }> {
    return this.controls.rollbackBackup(backupId, actor);
  }

  /** Runs a playbook a human chose on the service's open incident, through the guard (operator-run.ts). */
  runPlaybook(service: string, playbook: string, actor: string): Promise<OperatorRunResult> {
    return this.operatorRuns.run(service, playbook, actor);
  }

  // ---- approvals (approvals.ts) ----

  /** Runs a heal that waited for approval. */
  approve(actionId: string, actor: string): Promise<Action[]> {
    return this.approvals.approve(actionId, actor);
  }

  reject(actionId: string, actor: string): Promise<Action[]> {
    return this.approvals.reject(actionId, actor);
  }

  /** Skips every heal that has waited for approval longer than `policy.approval_ttl`, and decides it again. */
  expireApprovals(): Promise<number> {
    return this.approvals.expireApprovals();
  }

  // ---- lifecycle ----

  /**
   * Verifies, never re-runs, the steps a crash (or a dead replica) left unfinished (reconcile.ts). Each
   * service's steps are reconciled as that service's one heal: after a heal of it already running here, and
   * before any new one. A service still failing afterwards is decided again.
   */
  reconcile(actions: Action[]): Promise<number> {
    return reconcile(this.d, this.backups, this.stopping.signal, actions, async (service, work) => {
      await this.scheduler.exclusive(service, work);
      if (this.stopping.signal.aborted) return;
      // While it ran, the service's health changes were its business (as a heal's are): healthy now means
      // its incident resolves, as it would have had nothing been running.
      if (this.d.health(service) === 'healthy') {
        await this.d.incidents.onHealthy(service, `${service} healthy after reconciliation`);
        return;
      }
      if (this.contexts.has(service) && !this.scheduler.busy(service) && !this.scheduler.waiting(service))
        this.scheduler.schedule(service, 0);
    });
  }

  /** Interrupts running steps (left for reconciliation), drops every timer, waits for the heals to end. */
  async stop(): Promise<void> {
    this.offIncident();
    this.stopping.abort();
    this.scheduler.clearTimers();
    this.keeper.stop();
    for (const t of this.healthyTimers.values()) this.d.clock.clearTimeout(t);
    this.healthyTimers.clear();
    for (const t of this.unhandledTimers.values()) this.d.clock.clearTimeout(t);
    this.unhandledTimers.clear();
    this.knownGood.stop();
    this.approvals.clearTimers();
    await this.scheduler.settle();
    await this.knownGood.idle();
  }

  /** True while a heal of the service runs: it, not a passing check, decides when the incident resolves. */
  busy(service: string): boolean {
    return this.scheduler.busy(service);
  }

  /** Resolves when no heal is running. */
  idle(): Promise<void> {
    return this.scheduler.idle();
  }
}
