import { errorMessage, formatDuration } from '../core/index.js';
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
      'store' | 'clock' | 'incidents' | 'bus' | 'notify' | 'logger' | 'config' | 'health'
    >,
    private readonly signal: AbortSignal,
    private readonly retry: (service: string, delay: number, only: string) => void,
  ) {}

  /** The heal verified: the guard forgets earlier failures, the learner counts a success. */
  async healed(run: Run, reason: string): Promise<void> {
    await this.d.store.putGuardState(freshGuardState(run.service, this.d.clock.now()));
    await this.record(run, true);
    await this.d.incidents.note(run.incident.id, `healed by ${run.name}: ${reason}`);
    // Verified on named checks (`verify.checks`) while another check still fails: the heal did its part, and
    // the incident resolves when the service is healthy (a health change, as for any incident).
    if (this.d.health(run.service) !== 'healthy') {
      await this.d.incidents.note(
        run.incident.id,
        `${run.service} is ${this.d.health(run.service)} on other checks: the incident stays open until it is healthy`,
      );
      return;
    }
    await this.d.incidents.onHealthy(run.service, `healed by ${run.name}: ${reason}`);
  }

  /** The heal failed: back off and retry the same playbook, or escalate after too many (or at once). */
  async failed(run: Run, reason: string, escalateNow: boolean): Promise<void> {
    if (this.signal.aborted) return; // left for reconciliation at the next start
    const { service } = run;
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
  }

  /** Hands the incident to a human: on the bus, and through the playbook's notify route if it has one. */
  async escalate(run: Run, why: string): Promise<void> {
    const now = this.d.clock.now();
    await this.d.incidents.transition(run.service, 'escalated', why);
    this.d.bus.emit('escalation', {
      service: run.service,
      incidentId: run.incident.id,
      reason: why,
      at: now,
    });
    const route = run.playbook.escalate.route;
    if (route && this.d.notify) {
      await this.d
        .notify({ service: run.service, message: why, severity: 'critical', route })
        .catch((err) => this.d.logger.error({ err: errorMessage(err), route }, 'escalation notify failed'));
    }
  }

  /** What the learner reads: per cause and playbook, did it heal, and how long after the incident opened. */
  private async record(run: Run, success: boolean): Promise<void> {
    await this.d.store.recordOutcome({
      incidentId: run.incident.id,
      service: run.service,
      cause: run.cause,
      playbook: run.name,
      success,
      healMs: success ? this.d.clock.now() - run.incident.openedAt : null,
      at: this.d.clock.now(),
    });
  }
}
