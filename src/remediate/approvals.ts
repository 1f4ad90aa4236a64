import type { Action, TimerHandle } from '../core/index.js';
import { ConflictError, errorMessage, formatDuration, NotFoundError } from '../core/index.js';
import type { EngineDeps } from './deps.js';
import { type Context, type Run, templateVars, UNKNOWN_CAUSE } from './run.js';

/** What approving needs from the rest of the engine, and nothing more. */
export interface ApprovalHooks {
  /** True while the stop switch is on: an approval must not slip a heal past it. */
  stopped(): Promise<boolean>;
  /** True while a heal of the service runs: one heal per service at a time. */
  busy(service: string): boolean;
  /** The latest finding and diagnosis for the service, to fill the playbook's templates. */
  context(service: string): Context | undefined;
  /** Starts the approved steps as the service's heal. */
  run(run: Run, approved: Action[]): void;
}

/**
 * Heals that wait for a human: approving (which rebuilds the run from what the journal recorded and starts
 * it), rejecting, and expiring them after `policy.approval_ttl`, by a timer per run and by a sweep.
 */
export class Approvals {
  private readonly timers = new Map<string, TimerHandle>();

  constructor(
    private readonly d: Pick<EngineDeps, 'store' | 'clock' | 'journal' | 'incidents' | 'logger' | 'config'>,
    private readonly hooks: ApprovalHooks,
  ) {}

  /** Runs a heal that waited for approval. */
  async approve(actionId: string, actor: string): Promise<Action[]> {
    const steps = await this.siblings(actionId, 'awaiting_approval');
    const first = steps[0]!;
    const cfg = this.d.config().config;
    if (first.createdAt + cfg.policy.approval_ttl <= this.d.clock.now()) {
      await this.expire(steps, 'approval expired before it was given');
      throw new ConflictError(`action ${actionId}: the approval expired`);
    }
    if (await this.hooks.stopped())
      throw new ConflictError('healing is stopped: resume it before approving a heal');
    const playbook = cfg.playbooks[first.playbook];
    const incident = first.incidentId ? await this.d.store.getIncident(first.incidentId) : null;
    if (!playbook || !incident)
      throw new Error(`playbook ${first.playbook} or its incident no longer exists`);
    if (this.hooks.busy(first.service)) throw new ConflictError(`a heal of ${first.service} is running`);
    const runId = String(first.params['runId']);
    this.clearTimer(runId);
    const approved: Action[] = [];
    for (const s of steps)
      approved.push(await this.d.journal.move(s.id, 'planned', `approved by ${actor}`, actor));
    const run: Run = {
      id: runId,
      service: first.service,
      name: first.playbook,
      playbook,
      incident,
      cause: typeof first.params['cause'] === 'string' ? first.params['cause'] : UNKNOWN_CAUSE,
      confidence: typeof first.params['confidence'] === 'number' ? first.params['confidence'] : 1,
      vars: templateVars(first.service, incident, this.hooks.context(first.service)),
    };
    this.hooks.run(run, approved);
    return approved;
  }

  async reject(actionId: string, actor: string): Promise<Action[]> {
    const steps = await this.siblings(actionId, 'awaiting_approval');
    this.clearTimer(String(steps[0]!.params['runId']));
    const out: Action[] = [];
    for (const s of steps)
      out.push(await this.d.journal.move(s.id, 'skipped', `rejected by ${actor}`, actor));
    return out;
  }

  /** Skips every heal that has waited for approval longer than `policy.approval_ttl`. */
  async expireApprovals(): Promise<number> {
    const ttl = this.d.config().config.policy.approval_ttl;
    const now = this.d.clock.now();
    const { items } = await this.d.store.listActions({ state: 'awaiting_approval', limit: 1000 });
    const stale = items.filter((a) => a.createdAt + ttl <= now);
    const byRun = new Map<string, Action[]>();
    for (const a of stale)
      byRun.set(String(a.params['runId']), [...(byRun.get(String(a.params['runId'])) ?? []), a]);
    for (const list of byRun.values())
      await this.expire(list, `approval expired after ${formatDuration(ttl)}`);
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

  private async expire(steps: readonly Action[], reason: string): Promise<void> {
    for (const s of steps) {
      // Re-read: a human may have approved or rejected the step since it was listed.
      const now = await this.d.store.getAction(s.id);
      if (now?.state !== 'awaiting_approval') continue;
      await this.d.journal.move(s.id, 'skipped', reason);
    }
    const first = steps[0];
    if (first?.incidentId)
      await this.d.incidents.note(first.incidentId, `playbook ${first.playbook}: ${reason}`);
  }

  /** The steps of the action's run in `state`, in order: a run is approved or rejected as a whole. */
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
}
