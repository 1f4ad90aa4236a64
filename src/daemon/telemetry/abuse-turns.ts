import type { Clock, Finding, TimerHandle } from '../../core/index.js';

export interface AbuseTurnsOptions {
  clock: Clock;
  /** True while the service has an incident open: a heal, its verification, or a wait. */
  busy(): Promise<boolean>;
  /** Raises the finding now (its time set to now). */
  fire(f: Finding): void;
  /** The longest a finding waits for its turn (the detector's window: after it, the lines are old news). */
  maxWaitMs(): number;
  /** Findings waiting at most (default MAX_WAITING); beyond, the oldest is dropped. */
  maxWaiting?: number;
  /** Told once, at the first finding dropped for want of room (a flood of addresses). */
  warn?(message: string): void;
}

const POLL_MS = 200;
/** Each one waits for the one before (about a second each): more than this cannot all be raised in a window. */
export const MAX_WAITING = 1_000;
/** The finding's incident takes a moment to open: the service is not called free before this. */
const SETTLE_MS = 500;

/**
 * Abuse findings of one service take turns. The engine heals a service one heal at a time and groups a
 * service's findings into one incident, so a second address flagged while the first one's ban runs would
 * join that incident and go unbanned (or hold its verification up). Each finding is raised once the
 * previous one's incident is over, at most `maxWaitMs` later; a later finding of an address waiting replaces
 * the earlier one. The queue is bounded: a finding that waited longer than the window is dropped (its lines
 * are old news; the address is counted again if it goes on), and so is the oldest beyond `maxWaiting`.
 */
export class AbuseTurns {
  /** By check, in the order offered (a replaced one moves to the end), with when it was offered. */
  private readonly waiting = new Map<string, { f: Finding; since: number }>();
  private readonly dropped = { expired: 0, overflow: 0 };
  private warned = false;
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
    this.waiting.set(f.check, { f, since: this.o.clock.now() });
    this.expire();
    const max = this.o.maxWaiting ?? MAX_WAITING;
    while (this.waiting.size > max) {
      this.waiting.delete(this.waiting.keys().next().value as string);
      this.dropped.overflow++;
      if (!this.warned) {
        this.warned = true;
        this.o.warn?.(`more than ${max} abuse findings waiting for their turn: the oldest are dropped`);
      }
    }
  }

  /** Findings waiting for their turn. */
  get queued(): number {
    return this.waiting.size;
  }

  /** Findings dropped unraised: waited longer than the window, or pushed out by newer ones. */
  get droppedCounts(): { expired: number; overflow: number } {
    return { ...this.dropped };
  }

  /** Drops what waited longer than the window (oldest first: the map is in the order offered). */
  private expire(): void {
    const before = this.o.clock.now() - this.o.maxWaitMs();
    for (const [check, w] of this.waiting) {
      if (w.since > before) break;
      this.waiting.delete(check);
      this.dropped.expired++;
    }
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
    this.expire();
    const [check, next] = this.waiting.entries().next().value ?? [];
    if (check === undefined || !next) return;
    this.waiting.delete(check);
    this.start(next.f);
  }
}
