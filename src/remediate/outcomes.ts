import { formatDuration } from '../core/index.js';
import type { GuardState } from '../store/index.js';
import type { EngineDeps } from './deps.js';
import { backoffDelay, freshGuardState } from './guard.js';
import type { Run } from './run.js';

/**
 * How a heal ended, and what follows: the outcome the learner ranks playbooks by, the guard's count of
 * failed heals, a back-off and retry, or an escalation to a human. Retrying is the scheduler's job, so it
 * arrives as the `retry` callback.
 */
export class Outcomes {
  constructor(
    private readonly d: Pick<
      EngineDeps,
      'store' | 'clock' | 'incidents' | 'bus' | 'notify' | 'logger' | 'config' | 'health' | 'drill'
    >,
    private readonly signal: AbortSignal,
    /** `only`: the playbook to retry; none: every matching playbook competes. */
    private readonly retry: (service: string, delay: number, only: string | undefined) => void,
  ) {}

  /** Heals deferred in a row per incident (see deferred); a heal that runs to an end clears its count. */
  private readonly deferrals = new Map<string, number>();

  /** The heal verified: the guard forgets earlier failures, the learner counts a success. */
  async healed(run: Run, reason: string): Promise<void> {
    this.deferrals.delete(run.incident.id);
    await this.d.store.putGuardState(freshGuardState(run.service, this.d.clock.now()));
    await this.record(run, true);
    await this.d.incidents.note(run.incident.id, `healed by ${run.name}: ${reason}`);
    await this.d.incidents.onHealthy(run.service, `healed by ${run.name}: ${reason}`);
  }

  /**
   * Verified on its named checks (`verify.checks`) while another check of the service still fails: the
   * playbook did what it promised (the learner counts a success), but the service is not well. A human is
   * asked, and Medic stops acting on the service until a healthy period or a human resets it: retrying a heal
   * that "succeeds" every time would loop. The incident resolves by itself if the service recovers.
   */
  async partlyHealed(run: Run, reason: string, failing: readonly string[]): Promise<void> {
    this.deferrals.delete(run.incident.id);
    const now = this.d.clock.now();
    await this.record(run, true);
    const prev = (await this.d.store.getGuardState(run.service)) ?? freshGuardState(run.service, now);
    await this.d.store.putGuardState({ ...prev, escalated: true, escalatedAt: now, updatedAt: now });
    await this.d.incidents.note(run.incident.id, `${run.name} verified: ${reason}`);
    await this.escalate(
      run,
      `${run.name} verified on its checks (${reason}), but ${run.service} still fails ${failing.join(', ')}: Medic stops acting on ${run.service} until it is healthy or a human resets it`,
    );
  }

  /** The heal failed: back off and retry the same playbook, or escalate after too many (or at once). */
  async failed(run: Run, reason: string, escalateNow: boolean): Promise<void> {
    if (this.signal.aborted) return; // left for reconciliation at the next start
    const { service } = run;
    this.deferrals.delete(run.incident.id);
    const cfg = this.d.config().config;
    await this.record(run, false);
    const now = this.d.clock.now();
    const prev: GuardState = (await this.d.store.getGuardState(service)) ?? freshGuardState(service, now);
    const failedHeals = prev.failedHeals + 1;
    if (escalateNow || failedHeals >= cfg.policy.max_failed_heals) {
      await this.d.store.putGuardState({
        ...prev,
        failedHeals,
        escalated: true,
        escalatedAt: now,
        updatedAt: now,
      });
      const why = escalateNow
        ? `${reason}; on_failure: escalate. Medic stops acting on ${service} until a human or a healthy period resets it`
        : `${failedHeals} ${failedHeals === 1 ? 'heal' : 'heals'} failed in a row (last: ${reason}); Medic stops acting on ${service} until a human or a healthy period resets it`;
      await this.escalate(run, why);
      return;
    }
    const delay = backoffDelay(cfg.policy, failedHeals);
    await this.d.store.putGuardState({ ...prev, failedHeals, nextAllowedAt: now + delay, updatedAt: now });
    await this.d.incidents.transition(
      service,
      'open',
      `heal failed (${reason}); retry in ${formatDuration(delay)}`,
    );
    this.retry(service, delay, run.name);
    // Said after the retry is due: a diagnosis made again now (the evidence has grown since) reaches it.
    this.d.bus.emit('heal:failed', { service, incidentId: run.incident.id, playbook: run.name, at: now });
  }

  /**
   * A step found nothing to do (NotApplicableError): the playbook's premise does not hold here, which says
   * nothing of how it heals (the learner records nothing) and is no failed heal (the guard counts nothing).
   * It is set aside for the rest of the incident and the other matching playbooks are weighed at once; with
   * none left, the finding is unhandled and a human is told.
   */
  async notApplicable(run: Run, reason: string): Promise<void> {
    if (this.signal.aborted) return;
    await this.d.incidents.transition(
      run.service,
      'open',
      `playbook ${run.name} set aside for this incident (${reason}); the other playbooks are weighed`,
    );
    this.retry(run.service, 0, undefined);
  }

  /**
   * The heal never ran: this replica could not claim its steps (its first heartbeat is not stored yet, or
   * its lease is lapsing). Nothing was tried, so no failed heal is counted and nothing is learned; the same
   * playbook is due again after the policy's backoff (the first, then growing while it stays so). A replica that stays unable to act must not
   * leave the service down unseen: at `max_failed_heals` deferrals in a row the incident is handed to a human,
   * once, as for any hold that does not lift by itself; the heal is still retried. The guard is not marked
   * escalated: the cause is this replica, and another replica (the store is shared) may act meanwhile.
   */
  async deferred(run: Run, reason: string): Promise<void> {
    if (this.signal.aborted) return;
    const { service } = run;
    const cfg = this.d.config().config;
    const times = (this.deferrals.get(run.incident.id) ?? 0) + 1;
    // Backed off as failed heals are: a replica that cannot act for an hour retries a dozen times, not thousands.
    const delay = backoffDelay(cfg.policy, times);
    // Incidents that ended without a heal leave their count behind: a bound (the oldest go first), not a leak.
    this.deferrals.delete(run.incident.id);
    if (this.deferrals.size >= 1000) this.deferrals.delete(this.deferrals.keys().next().value as string);
    this.deferrals.set(run.incident.id, times);
    // A note, not a transition: the incident keeps its state (an escalated one its reminders).
    await this.d.incidents.note(
      run.incident.id,
      `heal not run (${reason}); retry in ${formatDuration(delay)}`,
    );
    this.retry(service, delay, run.name);
    if (times === cfg.policy.max_failed_heals)
      await this.escalate(
        run,
        `${times} heals of ${service} could not run in a row (last: ${reason}); Medic keeps trying, and a human is needed while this replica cannot act`,
      );
  }

  /** Hands the incident to a human: on the bus, and through the playbook's notify route if it has one. */
  async escalate(run: Run, why: string): Promise<void> {
    const now = this.d.clock.now();
    await this.d.incidents.transition(run.service, 'escalated', why);
    // One escalation, one notification: to the playbook's route when it names one, else to every notifier
    // subscribed to escalations.
    const route = run.playbook.escalate.route;
    this.d.bus.emit('escalation', {
      service: run.service,
      incidentId: run.incident.id,
      reason: why,
      at: now,
      ...(route ? { route } : {}),
    });
  }

  /**
   * What the learner reads: per cause and playbook, did it heal, and how long after the incident opened. A
   * drill's outcome is marked so the learner leaves it out: faults injected on purpose say nothing about how
   * a playbook does on real trouble.
   */
  private async record(run: Run, success: boolean): Promise<void> {
    await this.d.store.recordOutcome({
      incidentId: run.incident.id,
      service: run.service,
      cause: run.cause,
      playbook: run.name,
      success,
      healMs: success ? this.d.clock.now() - run.incident.openedAt : null,
      at: this.d.clock.now(),
      ...(this.d.drill ? { drill: true } : {}),
    });
  }
}
