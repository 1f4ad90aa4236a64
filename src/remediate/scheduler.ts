import type { TimerHandle } from '../core/index.js';
import type { EngineDeps } from './deps.js';

/**
 * When to decide, and one heal per service at a time. It holds the timers that wait for a finding's `for`
 * (or a back-off) to pass, the heal in flight for each service, and the services a stop switch or silence
 * held back. What a decision does is not its business: it calls `decide`, which the engine supplies, so
 * this file knows nothing of playbooks or the guard.
 */
export class HealScheduler {
  /** The decision or heal in flight for each service: at most one. */
  private readonly running = new Map<string, Promise<void>>();
  /** Each decision waiting on a timer: when it fires, and whether it is a retry of one playbook (`only`). */
  private readonly pending = new Map<string, { timer: TimerHandle; at: number; only: string | undefined }>();
  /** Services whose heal was refused by the stop switch or a silence: decided again when that lifts. */
  private readonly blocked = new Set<string>();

  constructor(
    private readonly d: Pick<EngineDeps, 'clock' | 'logger' | 'health'>,
    private readonly signal: AbortSignal,
    private readonly decide: (service: string, only?: string) => Promise<void>,
  ) {}

  /** True while a decision or heal of the service runs. */
  busy(service: string): boolean {
    return this.running.has(service);
  }

  /** True while a decision of the service waits on a timer. */
  waiting(service: string): boolean {
    return this.pending.has(service);
  }

  /**
   * Decides the service after `delay`, unless it is healthy by then; `only` restricts the playbook. When the
   * time comes while a decision or heal of the service still runs (a decision that waits on an upstream's
   * probes may outlast a short delay), it is decided once that ends: dropping it would leave the service
   * with nothing due.
   */
  schedule(service: string, delay: number, only?: string): void {
    this.cancel(service);
    const timer = this.d.clock.setTimeout(() => {
      if (this.pending.get(service) !== plan) return;
      if (this.signal.aborted) {
        this.pending.delete(service);
        return;
      }
      const running = this.running.get(service);
      if (running) {
        // Still counted as due (`waiting`) until it is decided.
        void running.then(() => {
          if (this.pending.get(service) === plan) this.fire(service, only);
        });
        return;
      }
      this.fire(service, only);
    }, delay);
    const plan = { timer, at: this.d.clock.now() + delay, only };
    this.pending.set(service, plan);
  }

  /**
   * Brings a pending decision forward to `delay` from now when that is sooner: a finding whose playbook may
   * run at once arrived while the decision waited for another's `for`. A retry of one playbook (a back-off)
   * keeps its time. True when it was brought forward.
   */
  sooner(service: string, delay: number): boolean {
    const plan = this.pending.get(service);
    if (!plan || plan.only !== undefined || plan.at <= this.d.clock.now() + delay) return false;
    this.schedule(service, delay);
    return true;
  }

  private fire(service: string, only?: string): void {
    this.pending.delete(service);
    if (this.signal.aborted || this.running.has(service)) return;
    if (this.d.health(service) === 'healthy') return;
    this.track(service, () => this.decide(service, only));
  }

  cancel(service: string): void {
    const plan = this.pending.get(service);
    if (plan) this.d.clock.clearTimeout(plan.timer);
    this.pending.delete(service);
  }

  /**
   * Runs the work as the service's one heal; an unexpected error is logged, never left unhandled. The service
   * is marked busy before `work` starts (synchronously), so nothing else can start beside it. The promise
   * resolves when the work ends and never rejects.
   */
  track(service: string, work: () => Promise<void>): Promise<void> {
    let release!: () => void;
    const p = new Promise<void>((resolve) => {
      release = resolve;
    });
    this.running.set(service, p);
    // Called only after `running` holds the service: even work that completes synchronously cannot race it.
    Promise.resolve()
      .then(work)
      .catch((err) => this.d.logger.error({ err, service }, 'heal failed unexpectedly'))
      .finally(() => {
        if (this.running.get(service) === p) this.running.delete(service);
        release();
      });
    return p;
  }

  /**
   * Runs the work as the service's one heal once whatever runs for the service now has finished (start-up or
   * orphan reconciliation uses this: a fresh heal of the service waits until it is done, and it waits for a
   * heal already running). Resolves when the work ends; never rejects.
   */
  async exclusive(service: string, work: () => Promise<void>): Promise<void> {
    for (let cur = this.running.get(service); cur; cur = this.running.get(service)) await cur;
    if (this.signal.aborted) return;
    await this.track(service, work);
  }

  block(service: string): void {
    this.blocked.add(service);
  }

  unblock(service: string): void {
    this.blocked.delete(service);
  }

  /** The stop switch or a silence lifted: what they held back is decided again now. */
  retryBlocked(): void {
    const services = [...this.blocked];
    this.blocked.clear();
    for (const s of services) if (!this.running.has(s)) this.schedule(s, 0);
  }

  /** Drops every pending decision (Medic is stopping). */
  clearTimers(): void {
    for (const plan of this.pending.values()) this.d.clock.clearTimeout(plan.timer);
    this.pending.clear();
  }

  /** Resolves when the heals running now have finished. */
  async settle(): Promise<void> {
    await Promise.allSettled([...this.running.values()]);
  }

  /** Resolves when no heal is running, including heals started while waiting. */
  async idle(): Promise<void> {
    while (this.running.size > 0) await Promise.allSettled([...this.running.values()]);
  }
}
