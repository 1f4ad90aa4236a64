import type { Bus, Clock } from '../core/index.js';

/** A check this process runs itself: how often, and how long one run may take. */
export interface CheckCycle {
  interval: number;
  timeout: number;
}

export interface LoopProgressOptions {
  clock: Clock;
  bus: Pick<Bus, 'on'>;
  /** The store took this process's last periodic write recently (the replica's heartbeat into the store). */
  storeWritable: () => boolean;
  /** The checks this process runs; none means there is no probe loop to watch. */
  checks: () => readonly CheckCycle[];
}

/** Shortest time, whatever the checks, before a silent probe loop counts as stuck (an SQLite write or GC pause is not). */
export const MIN_STALL_MS = 10_000;
/** Fraction of an interval the scheduler may move a run by (its jitter). */
const JITTER = 0.1;
/** Cycles of the fastest check that may pass without a judged result. */
const CYCLES = 3;

/**
 * Whether the daemon is making progress, for the dead man's switch: a heartbeat from a wedged daemon is a
 * lie. Two loops must turn: the replica's periodic write into the store (the store is writable and timers
 * fire) and, when this process runs checks, the probe loop (results judged in their service's lane, so a
 * scheduler or lanes stuck on a hung call count too). A stalled event loop needs no test: nothing fires.
 */
export class LoopProgress {
  private lastResultAt: number;
  private off: (() => void) | null = null;

  constructor(private readonly opts: LoopProgressOptions) {
    this.lastResultAt = opts.clock.now();
  }

  start(): void {
    this.lastResultAt = this.opts.clock.now();
    this.off ??= this.opts.bus.on('signal', (s) => {
      if (s.kind === 'probe') this.lastResultAt = Math.max(this.lastResultAt, s.at);
    });
  }

  stop(): void {
    this.off?.();
    this.off = null;
  }

  /** Why the daemon is not making progress now, or null when it is. */
  stalled(): string | null {
    if (!this.opts.storeWritable()) return 'the store has not taken a write recently';
    const limit = stallLimit(this.opts.checks());
    if (limit === null) return null;
    const silent = this.opts.clock.now() - this.lastResultAt;
    if (silent > limit)
      return `no probe result judged for ${Math.round(silent / 1000)}s (limit ${Math.round(limit / 1000)}s)`;
    return null;
  }
}

/**
 * How long the probe loop may go without a judged result: a few cycles (interval with jitter, plus the
 * timeout) of the fastest check, never under MIN_STALL_MS. Null without checks.
 */
export function stallLimit(checks: readonly CheckCycle[]): number | null {
  if (checks.length === 0) return null;
  const fastest = Math.min(...checks.map((c) => c.interval * (1 + JITTER) + c.timeout));
  return Math.max(MIN_STALL_MS, CYCLES * fastest);
}
