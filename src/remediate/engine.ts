import type { Logger } from 'pino';
import type { LoadedConfig, PlaybookConfig } from '../config/index.js';
import type { Action, Bus, Clock, Finding, Incident, ServiceHealth, TimerHandle } from '../core/index.js';
import { ConflictError, errorMessage, formatDuration, NotFoundError, newId } from '../core/index.js';
import type { IncidentManager } from '../incidents/index.js';
import type { GuardState, Store } from '../store/index.js';
import { actions, type ServiceControl, stepKind } from './actions/index.js';
import { backoffDelay, evaluateGuard, freshGuardState } from './guard.js';
import type { Journal } from './journal.js';
import { matchPlaybooks } from './playbooks.js';
import { verifyHealthy } from './verify.js';

export interface EngineDeps {
  store: Store;
  bus: Bus;
  clock: Clock;
  journal: Journal;
  incidents: IncidentManager;
  control: ServiceControl;
  logger: Logger;
  config(): LoadedConfig;
  health(service: string): ServiceHealth;
  recheck(service: string): Promise<void>;
  verifyPollMs?: number;
  /** Claims the action for this replica before a step runs; false means another replica owns it. */
  claim?(actionId: string): Promise<boolean>;
}

const DEFAULT_VERIFY = { within: 30_000, stable_for: 1_000 };

interface Run {
  id: string;
  service: string;
  name: string;
  playbook: PlaybookConfig;
  incident: Incident;
}

/**
 * Decides and runs heals: a finding picks a playbook, the guard rules on it, the journal records each step
 * before it runs, verification re-checks the service, and a failed heal backs off, then escalates.
 * One heal per service at a time.
 */
export class RemediationEngine {
  private readonly running = new Map<string, Promise<void>>();
  private readonly pending = new Map<string, TimerHandle>();
  private readonly healthyTimers = new Map<string, TimerHandle>();
  private readonly stopping = new AbortController();

  constructor(private readonly d: EngineDeps) {}

  /** A finding arrived for an incident: heal it if a playbook matches, after the playbook's `for`. */
  onFinding(f: Finding, incident: Incident): void {
    if (this.running.has(f.service) || this.pending.has(f.service)) return;
    const match = matchPlaybooks(this.d.config().config, f)[0];
    if (!match) {
      void this.d.incidents.note(incident.id, `no playbook matches this ${f.kind} finding: watching only`);
      return;
    }
    const wait = f.at + match.playbook.when.for - this.d.clock.now();
    this.schedule(f.service, Math.max(0, wait), match.name);
  }

  onHealth(service: string, to: ServiceHealth): void {
    const timer = this.healthyTimers.get(service);
    if (timer) this.d.clock.clearTimeout(timer);
    this.healthyTimers.delete(service);
    if (to !== 'healthy') return;
    this.cancelPending(service);
    const window = this.d.config().config.policy.healthy_reset;
    this.healthyTimers.set(
      service,
      this.d.clock.setTimeout(() => {
        this.healthyTimers.delete(service);
        void this.resetGuard(service, 'medic', `healthy for ${formatDuration(window)}`);
      }, window),
    );
  }

  /** Forgets failed heals and an escalation: a human said so, or the service stayed healthy. */
  async resetGuard(service: string, actor: string, reason: string): Promise<void> {
    const state = await this.d.store.getGuardState(service);
    if (!state || (state.failedHeals === 0 && !state.escalated)) return;
    await this.d.store.putGuardState(freshGuardState(service, this.d.clock.now()));
    await this.d.store.audit({
      at: this.d.clock.now(),
      actor,
      event: 'guard.reset',
      subject: service,
      data: { reason },
    });
  }

  /** Runs a heal that waited for approval. */
  async approve(actionId: string, actor: string): Promise<Action[]> {
    const steps = await this.siblings(actionId, 'awaiting_approval');
    const first = steps[0]!;
    const cfg = this.d.config().config;
    const playbook = cfg.playbooks[first.playbook];
    const incident = first.incidentId ? await this.d.store.getIncident(first.incidentId) : null;
    if (!playbook || !incident)
      throw new Error(`playbook ${first.playbook} or its incident no longer exists`);
    const approved: Action[] = [];
    for (const s of steps)
      approved.push(await this.d.journal.move(s.id, 'planned', `approved by ${actor}`, actor));
    const run: Run = {
      id: String(first.params['runId']),
      service: first.service,
      name: first.playbook,
      playbook,
      incident,
    };
    this.track(first.service, () => this.execute(run, approved));
    return approved;
  }

  async reject(actionId: string, actor: string): Promise<Action[]> {
    const steps = await this.siblings(actionId, 'awaiting_approval');
    const out: Action[] = [];
    for (const s of steps)
      out.push(await this.d.journal.move(s.id, 'skipped', `rejected by ${actor}`, actor));
    return out;
  }

  /**
   * Steps a crash left unfinished are verified, never re-run: healthy means the step did its work, anything
   * else marks it failed and the normal loop decides afresh.
   */
  async reconcile(actions: Action[]): Promise<number> {
    const left = actions.filter((a) => a.state !== 'awaiting_approval');
    const byService = new Map<string, Action[]>();
    for (const a of left) byService.set(a.service, [...(byService.get(a.service) ?? []), a]);
    await Promise.all(
      [...byService].map(async ([service, list]) => {
        const window = this.d.config().config.playbooks[list[0]!.playbook]?.verify ?? DEFAULT_VERIFY;
        const v = await verifyHealthy(this.verifyDeps(), service, window, this.stopping.signal);
        for (const a of list) {
          const msg = `reconciled at start-up: Medic stopped while this step was ${a.state}; not repeated; ${v.reason}`;
          await this.d.journal.move(a.id, v.ok ? 'verified' : 'failed', msg);
          if (a.incidentId) await this.d.incidents.note(a.incidentId, msg, { actionId: a.id });
        }
      }),
    );
    return left.length;
  }

  async stop(): Promise<void> {
    this.stopping.abort();
    for (const t of [...this.pending.values(), ...this.healthyTimers.values()]) this.d.clock.clearTimeout(t);
    this.pending.clear();
    this.healthyTimers.clear();
    await Promise.allSettled([...this.running.values()]);
  }

  /** True while a heal of the service runs: it, not a passing check, decides when the incident resolves. */
  busy(service: string): boolean {
    return this.running.has(service);
  }

  /** Resolves when no heal is running. */
  async idle(): Promise<void> {
    while (this.running.size > 0) await Promise.allSettled([...this.running.values()]);
  }

  private schedule(service: string, delay: number, playbook: string): void {
    this.cancelPending(service);
    this.pending.set(
      service,
      this.d.clock.setTimeout(() => {
        this.pending.delete(service);
        if (this.stopping.signal.aborted || this.running.has(service)) return;
        if (this.d.health(service) === 'healthy') return;
        this.track(service, () => this.decide(service, playbook));
      }, delay),
    );
  }

  private cancelPending(service: string): void {
    const t = this.pending.get(service);
    if (t) this.d.clock.clearTimeout(t);
    this.pending.delete(service);
  }

  private track(service: string, work: () => Promise<void>): void {
    const p = work()
      .catch((err) => this.d.logger.error({ err, service }, 'heal failed unexpectedly'))
      .finally(() => this.running.delete(service));
    this.running.set(service, p);
  }

  private async decide(service: string, name: string): Promise<void> {
    const cfg = this.d.config().config;
    const playbook = cfg.playbooks[name];
    const incident = await this.d.store.activeIncident(service);
    if (!playbook || !incident) return;
    const now = this.d.clock.now();
    const decision = evaluateGuard({
      service,
      playbook: name,
      autonomy: playbook.autonomy ?? cfg.services[service]?.autonomy ?? cfg.policy.autonomy,
      policy: cfg.policy,
      state: await this.d.store.getGuardState(service),
      recentRuns: await this.recentRuns(service, now - cfg.policy.rate_limit.window),
      now,
    });
    await this.d.store.audit({
      at: now,
      actor: 'medic',
      event: `guard.${decision.verdict}`,
      subject: service,
      data: { playbook: name, incident: incident.id, reason: decision.reason },
    });
    const run: Run = { id: newId('run'), service, name, playbook, incident };
    switch (decision.verdict) {
      case 'run':
        return this.execute(run, null);
      case 'ask':
      case 'suggest':
      case 'dry_run': {
        const state = decision.verdict === 'ask' ? 'awaiting_approval' : 'skipped';
        await this.journalSteps(run, state, decision.reason, decision.verdict === 'dry_run');
        await this.d.incidents.note(incident.id, `playbook ${name}: ${decision.reason}`);
        return;
      }
      default:
        await this.d.incidents.note(incident.id, `playbook ${name} not run: ${decision.reason}`);
        if (decision.retryAt) this.schedule(service, decision.retryAt - now, name);
    }
  }

  private async journalSteps(
    run: Run,
    state: Action['state'],
    reason: string,
    dryRun: boolean,
  ): Promise<Action[]> {
    const services = this.d.config().config.services;
    const out: Action[] = [];
    for (const [i, step] of run.playbook.steps.entries()) {
      const plan = actions.get(stepKind(step)).plan(step, run.service, services, {
        baseDir: this.d.config().baseDir,
        vars: {
          service: { name: run.service },
          incident: { id: run.incident.id, title: run.incident.title },
        },
      });
      out.push(
        await this.d.journal.intend(
          {
            id: newId('act'),
            incidentId: run.incident.id,
            service: plan.target,
            playbook: run.name,
            step: i,
            kind: plan.kind,
            params: { ...plan.params, runId: run.id, description: plan.description },
            state,
            dryRun,
            reason,
          },
          `${plan.description}: ${reason}`,
        ),
      );
    }
    return out;
  }

  private async execute(run: Run, approved: Action[] | null): Promise<void> {
    const { service, playbook } = run;
    const cfg = this.d.config();
    await this.d.incidents.transition(service, 'remediating', `running playbook ${run.name}`);
    const steps = approved ?? (await this.journalSteps(run, 'planned', `playbook ${run.name}`, false));
    const applied: Action[] = [];
    for (const [i, action] of steps.entries()) {
      const step = playbook.steps[i]!;
      if (this.d.claim && !(await this.d.claim(action.id))) {
        // Our lease lapsed or another replica took the step over: it reconciles it, we must not run it.
        this.d.logger.warn(
          { action: action.id, service },
          'step not claimed: left to the replica that owns it',
        );
        return;
      }
      const impl = actions.get(action.kind);
      const timeout = new AbortController();
      const timer = this.d.clock.setTimeout(() => timeout.abort(), step.timeout);
      const signal = AbortSignal.any([timeout.signal, this.stopping.signal]);
      try {
        const plan = { kind: action.kind, target: action.service, params: action.params, description: '' };
        const ctx = {
          signal,
          baseDir: cfg.baseDir,
          services: cfg.config.services,
          control: this.d.control,
          step,
        };
        const message = await impl.apply(plan, ctx);
        applied.push(await this.d.journal.move(action.id, 'applied', message));
        await this.d.incidents.note(run.incident.id, `step ${i + 1} (${action.kind}): ${message}`, {
          actionId: action.id,
        });
      } catch (err) {
        const reason = timeout.signal.aborted
          ? `timed out after ${formatDuration(step.timeout)}`
          : errorMessage(err);
        await this.d.journal.move(action.id, 'failed', reason);
        for (const rest of steps.slice(i + 1))
          await this.d.journal.move(rest.id, 'skipped', 'an earlier step failed');
        return this.failed(run, applied, `step ${i + 1} (${action.kind}) failed: ${reason}`);
      } finally {
        this.d.clock.clearTimeout(timer);
      }
    }
    await this.d.incidents.transition(
      service,
      'verifying',
      `verifying within ${formatDuration(playbook.verify.within)}`,
    );
    const v = await verifyHealthy(this.verifyDeps(), service, playbook.verify, this.stopping.signal);
    if (!v.ok) return this.failed(run, applied, v.reason);
    for (const a of applied) await this.d.journal.move(a.id, 'verified', v.reason);
    await this.d.store.putGuardState(freshGuardState(service, this.d.clock.now()));
    await this.outcome(run, true);
    await this.d.incidents.note(run.incident.id, `healed by ${run.name}: ${v.reason}`);
    await this.d.incidents.onHealthy(service, `healed by ${run.name}: ${v.reason}`);
  }

  private async failed(run: Run, applied: Action[], reason: string): Promise<void> {
    if (this.stopping.signal.aborted) return; // left for reconciliation at the next start
    const { service } = run;
    const cfg = this.d.config().config;
    for (const a of applied) await this.d.journal.move(a.id, 'failed', reason);
    await this.outcome(run, false);
    const now = this.d.clock.now();
    const prev: GuardState = (await this.d.store.getGuardState(service)) ?? freshGuardState(service, now);
    const failedHeals = prev.failedHeals + 1;
    if (failedHeals >= cfg.policy.max_failed_heals) {
      await this.d.store.putGuardState({
        ...prev,
        failedHeals,
        escalated: true,
        escalatedAt: now,
        updatedAt: now,
      });
      const why = `${failedHeals} heals failed in a row (last: ${reason}); Medic stops acting on ${service} until a human or a healthy period resets it`;
      await this.d.incidents.transition(service, 'escalated', why);
      this.d.bus.emit('escalation', { service, incidentId: run.incident.id, reason: why, at: now });
      return;
    }
    const delay = backoffDelay(cfg.policy, failedHeals);
    await this.d.store.putGuardState({ ...prev, failedHeals, nextAllowedAt: now + delay, updatedAt: now });
    await this.d.incidents.transition(
      service,
      'open',
      `heal failed (${reason}); retry in ${formatDuration(delay)}`,
    );
    this.schedule(service, delay, run.name);
  }

  private async outcome(run: Run, success: boolean): Promise<void> {
    await this.d.store.recordOutcome({
      incidentId: run.incident.id,
      service: run.service,
      cause: 'unknown',
      playbook: run.name,
      success,
      healMs: success ? this.d.clock.now() - run.incident.openedAt : null,
      at: this.d.clock.now(),
    });
  }

  private async recentRuns(service: string, since: number): Promise<number> {
    const { items } = await this.d.store.listActions({ service, limit: 1000 });
    return items.filter((a) => a.step === 0 && a.createdAt >= since && !a.dryRun && a.state !== 'skipped')
      .length;
  }

  private async siblings(actionId: string, state: Action['state']): Promise<Action[]> {
    const action = await this.d.store.getAction(actionId);
    if (!action) throw new NotFoundError(`action ${actionId}`);
    if (action.state !== state)
      throw new ConflictError(`action ${actionId} is ${action.state}, not ${state}`);
    const { items } = await this.d.store.listActions({
      incidentId: action.incidentId ?? undefined,
      limit: 1000,
    });
    return items
      .filter((a) => a.params['runId'] === action.params['runId'] && a.state === state)
      .sort((a, b) => a.step - b.step);
  }

  private verifyDeps() {
    return {
      bus: this.d.bus,
      clock: this.d.clock,
      health: this.d.health,
      recheck: this.d.recheck,
      pollMs: this.d.verifyPollMs ?? 500,
    };
  }
}
