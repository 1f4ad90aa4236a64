import type { Clock, Finding, TimerHandle } from '../../core/index.js';

export interface AbuseTurnsOptions {
  clock: Clock;
  /** True while the service has an incident open: a heal, its verification, or a wait. */
  busy(): Promise<boolean>;
  /** Raises the finding now (its time set to now). */
  fire(f: Finding): void;
  /** The longest a finding waits for its turn (the detector's window: after it, the lines are old news). */
  maxWaitMs(): number;
}

const POLL_MS = 200;
/** The finding's incident takes a moment to open: the service is not called free before this. */
const SETTLE_MS = 500;

/**
 * Abuse findings of one service take turns. The engine heals a service one heal at a time and groups a
 * service's findings into one incident, so a second address flagged while the first one's ban runs would
 * join that incident and go unbanned (or hold its verification up). Each finding is raised once the
 * previous one's incident is over, at most `maxWaitMs` later; a later finding of an address waiting replaces
 * the earlier one.
 */
export class AbuseTurns {
  private readonly waiting = new Map<string, Finding>();
  private current: number | null = null;
  private timer: TimerHandle | undefined;
  private stopped = false;

  constructor(private readonly o: AbuseTurnsOptions) {}

  offer(f: Finding): void {
    if (this.stopped) return;
    if (this.current === null) {
      this.start(f);
      return;
    }
    this.waiting.delete(f.check);
    this.waiting.set(f.check, f);
  }

  /** Findings waiting for their turn. */
  get queued(): number {
    return this.waiting.size;
  }

  stop(): void {
    this.stopped = true;
    this.o.clock.clearTimeout(this.timer);
    this.waiting.clear();
  }

  private start(f: Finding): void {
    const now = this.o.clock.now();
    this.current = now;
    this.o.fire({ ...f, at: now });
    this.timer = this.o.clock.setTimeout(() => void this.poll(), POLL_MS);
  }

  private async poll(): Promise<void> {
    if (this.stopped || this.current === null) return;
    const held = this.o.clock.now() - this.current;
    const free = held >= SETTLE_MS && !(await this.o.busy().catch(() => false));
    if (this.stopped) return;
    if (!free && held < this.o.maxWaitMs()) {
      this.timer = this.o.clock.setTimeout(() => void this.poll(), POLL_MS);
      return;
    }
    this.current = null;
    const [check, next] = this.waiting.entries().next().value ?? [];
    if (check === undefined || !next) return;
    this.waiting.delete(check);
    this.start(next);
  }
}
