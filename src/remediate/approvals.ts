import type { Action, TimerHandle } from '../core/index.js';
import { ConflictError, errorMessage, formatDuration, NotFoundError } from '../core/index.js';
import type { EngineDeps } from './deps.js';
import type { GuardDecision } from './guard.js';
import { type Context, type Run, stepsHash, templateVars, UNKNOWN_CAUSE } from './run.js';

/** What approving needs from the rest of the engine, and nothing more. */
export interface ApprovalHooks {
  /** True while the stop switch is on: an approval must not slip a heal past it. */
  stopped(): Promise<boolean>;
  /** True while a decision, heal or reconciliation of the service runs: one at a time per service. */
  busy(service: string): boolean;
  /** The latest finding and diagnosis for the service, to fill the playbook's templates. */
  context(service: string): Context | undefined;
  /**
   * Runs `work` as the service's one heal. The service is reserved when this returns, before `work` awaits
   * anything, so no scheduled decision starts beside the approval.
   */
  track(service: string, work: () => Promise<void>): void;
  /** The guard's verdict on the run now, with the human's approval passing the rails that ask for one. */
  guard(run: Run, ctx: Context | undefined): Promise<GuardDecision>;
  /** The guard denied the approved run: note it, and decide again when the denial lifts. */
  notRun(run: Run, decision: GuardDecision): Promise<void>;
  /** Runs the approved steps (already moved to `planned`). */
  execute(run: Run, approved: Action[]): Promise<void>;
  /**
   * An approval expired with nobody deciding: decide the service's heal again now (a new request, sent to
   * the humans again, if it still needs one; nothing if the service is well by then).
   */
  reopen(service: string): void;
}

/** The run an approval would start, or why it must not. */
type Admission =
  | { ok: true; run: Run }
  | { ok: false; reason: string; dryRun?: boolean; decision?: { run: Run; guard: GuardDecision } };

/**
 * Heals that wait for a human: approving (which rebuilds the run from what the journal recorded, re-checks
 * that it still applies and that the guard still allows it, and starts it), rejecting, and expiring them
 * after `policy.approval_ttl` (by a timer per run and by a sweep) or when their incident ends. A run that
 * expired unanswered has its heal decided again (a new request, notified), never left as a dead end.
 *
 * Every decision on a run is a compare-and-set of its steps from `awaiting_approval`, first step first: of
 * an approval, a rejection and an expiry racing, whoever moves the first step owns the run; the others get
 * a ConflictError (409) and change nothing.
 */
export class Approvals {
  private readonly timers = new Map<string, TimerHandle>();

  constructor(
    private readonly d: Pick<
      EngineDeps,
      'store' | 'clock' | 'journal' | 'incidents' | 'logger' | 'config' | 'health'
    >,
    private readonly hooks: ApprovalHooks,
  ) {}

  /**
   * Runs a heal that waited for approval. Refused (409) without running anything: when the approval
   * expired or healing is stopped (the request stays pending while stopped); and, with its steps skipped
   * and the reason journaled, when the playbook's steps changed since it was planned, its incident ended,
   * the service is healthy again, or the guard now says no. Under `policy.dry_run` the steps are skipped as
   * a dry run and returned.
   */
  async approve(actionId: string, actor: string): Promise<Action[]> {
    const steps = await this.runSteps(actionId);
    const first = steps[0]!;
    const cfg = this.d.config().config;
    if (first.createdAt + cfg.policy.approval_ttl <= this.d.clock.now()) {
      await this.expireAndReopen(steps, 'approval expired before it was given');
      throw new ConflictError(
        `action ${actionId}: the approval expired; the heal is decided again (a new request if it still needs a human)`,
      );
    }
    if (await this.hooks.stopped())
      throw new ConflictError('healing is stopped: resume it before approving a heal');
    if (this.hooks.busy(first.service)) throw new ConflictError(`a heal of ${first.service} is running`);
    // Reserve the service now, before anything awaits: the rest runs as the service's one heal.
    return new Promise<Action[]>((resolve, reject) => {
      this.hooks.track(first.service, async () => {
        let approved: Action[];
        let run: Run;
        try {
          const admission = await this.admit(steps);
          if (!admission.ok) {
            const skipped = await this.skip(steps, admission.reason, actor);
            if (admission.decision) await this.hooks.notRun(admission.decision.run, admission.decision.guard);
            if (admission.dryRun) resolve(skipped);
            else reject(new ConflictError(`action ${actionId} not run: ${admission.reason}`));
            return;
          }
          run = admission.run;
          this.clearTimer(run.id);
          approved = [];
          // The first step's move decides the race; the rest follow it.
          for (const s of steps)
            approved.push(
              await this.d.journal.move(s.id, 'planned', `approved by ${actor}`, actor, 'awaiting_approval'),
            );
        } catch (err) {
          reject(err);
          return;
        }
        resolve(approved);
        await this.hooks.execute(run, approved);
      });
    });
  }

  async reject(actionId: string, actor: string): Promise<Action[]> {
    const steps = await this.runSteps(actionId);
    this.clearTimer(String(steps[0]!.params['runId']));
    const out: Action[] = [];
    for (const s of steps)
      out.push(
        await this.d.journal.move(s.id, 'skipped', `rejected by ${actor}`, actor, 'awaiting_approval'),
      );
    return out;
  }

  /** Skips every heal that has waited for approval longer than `policy.approval_ttl`, and decides it again. */
  async expireApprovals(): Promise<number> {
    const ttl = this.d.config().config.policy.approval_ttl;
    const now = this.d.clock.now();
    const { items } = await this.d.store.listActions({ state: 'awaiting_approval', limit: 1000 });
    const stale = items.filter((a) => a.createdAt + ttl <= now);
    const byRun = groupByRun(stale);
    for (const list of byRun.values())
      await this.expireAndReopen(list, `approval expired after ${formatDuration(ttl)}`);
    return byRun.size;
  }

  /** The incident resolved (or was suppressed): the approvals its heals still wait for are skipped. */
  async incidentEnded(incidentId: string, reason = 'incident resolved before approval'): Promise<number> {
    const { items } = await this.d.store.listActions({ incidentId, state: 'awaiting_approval', limit: 1000 });
    const byRun = groupByRun(items);
    for (const [runId, list] of byRun) {
      this.clearTimer(runId);
      await this.expire(list, reason);
    }
    return byRun.size;
  }

  /** A run now waits for approval: it expires on time even if nothing else triggers the sweep. */
  armTimer(runId: string): void {
    const ttl = this.d.config().config.policy.approval_ttl;
    this.clearTimer(runId);
    this.timers.set(
      runId,
      this.d.clock.setTimeout(() => {
        this.timers.delete(runId);
        void this.expireApprovals().catch((err) =>
          this.d.logger.warn({ err: errorMessage(err) }, 'expiring approvals failed'),
        );
      }, ttl),
    );
  }

  /** Drops every expiry timer (Medic is stopping; the sweep catches up at the next start). */
  clearTimers(): void {
    for (const t of this.timers.values()) this.d.clock.clearTimeout(t);
    this.timers.clear();
  }

  private clearTimer(runId: string): void {
    const t = this.timers.get(runId);
    if (t) this.d.clock.clearTimeout(t);
    this.timers.delete(runId);
  }

  /** Whether the journaled run may still run now, rebuilt from what the journal recorded and the config. */
  private async admit(steps: readonly Action[]): Promise<Admission> {
    const first = steps[0]!;
    const service = first.service;
    const playbook = this.d.config().config.playbooks[first.playbook];
    if (
      !playbook ||
      first.params['stepsHash'] !== stepsHash(playbook.steps) ||
      playbook.steps.length !== steps.length
    )
      return { ok: false, reason: 'playbook changed since this was planned' };
    const incident = first.incidentId ? await this.d.store.getIncident(first.incidentId) : null;
    if (!incident || incident.state === 'resolved' || incident.state === 'suppressed')
      return { ok: false, reason: 'incident resolved before approval' };
    if (this.d.health(service) === 'healthy')
      return { ok: false, reason: `${service} is healthy again: nothing to heal` };
    const ctx = this.hooks.context(service);
    const run: Run = {
      id: String(first.params['runId']),
      service,
      name: first.playbook,
      playbook,
      incident,
      cause: typeof first.params['cause'] === 'string' ? first.params['cause'] : UNKNOWN_CAUSE,
      confidence: typeof first.params['confidence'] === 'number' ? first.params['confidence'] : 1,
      vars: templateVars(service, incident, ctx),
    };
    const decision = await this.hooks.guard(run, ctx);
    if (decision.verdict === 'run') return { ok: true, run };
    if (decision.verdict === 'dry_run') return { ok: false, reason: decision.reason, dryRun: true };
    return {
      ok: false,
      reason: `the guard refused it: ${decision.reason}`,
      ...(decision.verdict === 'deny' ? { decision: { run, guard: decision } } : {}),
    };
  }

  /** Skips the run's steps (first step first: losing that race is a ConflictError) and notes the incident. */
  private async skip(steps: readonly Action[], reason: string, actor: string): Promise<Action[]> {
    const first = steps[0]!;
    this.clearTimer(String(first.params['runId']));
    const out: Action[] = [];
    for (const s of steps)
      out.push(await this.d.journal.move(s.id, 'skipped', reason, actor, 'awaiting_approval'));
    if (first.incidentId)
      await this.d.incidents.note(first.incidentId, `playbook ${first.playbook} not run: ${reason}`);
    return out;
  }

  /**
   * An approval that timed out is not a dead end: the service may still be failing, and the approve verb now
   * answers 409. Its run is skipped and the heal decided again, which asks (and tells) the humans anew if it
   * still needs them.
   */
  private async expireAndReopen(steps: readonly Action[], reason: string): Promise<void> {
    const first = await this.expire(steps, reason);
    if (!first) return;
    this.clearTimer(String(first.params['runId']));
    if (first.incidentId)
      await this.d.incidents.note(
        first.incidentId,
        `nobody decided on ${first.playbook} in time: the heal of ${first.service} is decided again`,
      );
    this.hooks.reopen(first.service);
  }

  /**
   * Skips what still waits of the run and returns its first step; if a human (or another sweep) decided its
   * first step, nothing (null).
   */
  private async expire(steps: readonly Action[], reason: string): Promise<Action | null> {
    const sorted = [...steps].sort((a, b) => a.step - b.step);
    for (const s of sorted) {
      try {
        await this.d.journal.move(s.id, 'skipped', reason, 'medic', 'awaiting_approval');
      } catch (err) {
        if (!(err instanceof ConflictError)) throw err;
        if (s === sorted[0]) return null; // decided by someone else: theirs
      }
    }
    const first = sorted[0];
    if (first?.incidentId)
      await this.d.incidents.note(first.incidentId, `playbook ${first.playbook}: ${reason}`);
    return first ?? null;
  }

  /**
   * Every step of the action's run, in order, all still awaiting approval: a run is approved or rejected as
   * a whole, and one with any step decided already is decided.
   */
  private async runSteps(actionId: string): Promise<Action[]> {
    const action = await this.d.store.getAction(actionId);
    if (!action) throw new NotFoundError(`action ${actionId}`);
    if (action.state !== 'awaiting_approval')
      throw new ConflictError(`action ${actionId} is ${action.state}, not awaiting_approval`);
    const { items } = await this.d.store.listActions({
      incidentId: action.incidentId ?? undefined,
      limit: 1000,
    });
    const steps = items
      .filter((a) => a.params['runId'] === action.params['runId'])
      .sort((a, b) => a.step - b.step);
    const decided = steps.find((a) => a.state !== 'awaiting_approval');
    if (decided)
      throw new ConflictError(`action ${decided.id} of this heal is ${decided.state}, not awaiting_approval`);
    return steps;
  }
}

function groupByRun(actions: readonly Action[]): Map<string, Action[]> {
  const byRun = new Map<string, Action[]>();
  for (const a of actions)
    byRun.set(String(a.params['runId']), [...(byRun.get(String(a.params['runId'])) ?? []), a]);
  return byRun;
}
