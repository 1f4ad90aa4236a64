import type { Clock, TimerHandle } from '../core/index.js';

/** What the process watch reads and tells. */
export interface ProcessWatchDeps {
  clock: Clock;
  /** Supervised services and their running pid (null: not running). */
  supervised(): { service: string; pid: number | null }[];
  /** The process's state letter from /proc (`T` stopped, `D`, `Z`, ...), or null when it is gone. */
  state(pid: number): Promise<string | null>;
  /** The process has been stopped (SIGSTOP) for two looks in a row. */
  onStopped(service: string, pid: number): void;
  /** A process reported stopped runs again (SIGCONT), or was replaced. */
  onResumed(service: string, pid: number | null): void;
}

const EVERY_MS = 1_000;
const STOPPED = new Set(['T', 't']);

/**
 * Looks at every supervised process's state in /proc once a second. A stopped process holds its port and
 * answers nothing, and no exit is ever seen: without this, a service with no checks of its own (a cache
 * behind an app) would look healthy while everything that needs it fails, and the dependents would be
 * blamed.
 */
export class ProcessWatch {
  private timer: TimerHandle | null = null;
  /** service → pid seen stopped once (a second look confirms), or confirmed. */
  private readonly seen = new Map<string, { pid: number; confirmed: boolean }>();
  private running = false;

  constructor(private readonly d: ProcessWatchDeps) {}

  start(): void {
    this.running = true;
    this.arm();
  }

  stop(): void {
    this.running = false;
    if (this.timer) this.d.clock.clearTimeout(this.timer);
    this.timer = null;
  }

  /** One look at every supervised process (also what the timer runs). */
  async look(): Promise<void> {
    const list = this.d.supervised();
    const names = new Set(list.map((x) => x.service));
    for (const [service, s] of this.seen) {
      if (names.has(service)) continue;
      this.seen.delete(service);
      if (s.confirmed) this.d.onResumed(service, null);
    }
    await Promise.all(list.map(({ service, pid }) => this.lookAt(service, pid)));
  }

  private async lookAt(service: string, pid: number | null): Promise<void> {
    const prev = this.seen.get(service);
    const state = pid === null ? null : await this.d.state(pid);
    const stopped = pid !== null && state !== null && STOPPED.has(state);
    if (stopped) {
      if (prev?.pid === pid) {
        if (!prev.confirmed) {
          prev.confirmed = true;
          this.d.onStopped(service, pid);
        }
      } else {
        if (prev?.confirmed) this.d.onResumed(service, pid);
        this.seen.set(service, { pid, confirmed: false });
      }
      return;
    }
    if (!prev) return;
    this.seen.delete(service);
    if (prev.confirmed) this.d.onResumed(service, pid);
  }

  private arm(): void {
    if (!this.running) return;
    this.timer = this.d.clock.setTimeout(() => {
      void this.look().finally(() => this.arm());
    }, EVERY_MS);
  }
}
