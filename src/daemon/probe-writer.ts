import type { Logger } from 'pino';
import { type Clock, errorMessage, type TimerHandle } from '../core/index.js';
import type { ProbeRecord, Store } from '../store/index.js';

/**
 * Buffers probe results and writes them in batches: one transaction per flush instead of one fsync per
 * result. A crash loses at most one flush interval of probe history, never a finding, incident or action
 * (those are written at once). Bounded: at most one write is in flight; while the store is slow (or hangs)
 * results keep gathering in the one buffer, and beyond maxBuffered the oldest are dropped and counted.
 */
export class ProbeWriter {
  private buffer: ProbeRecord[] = [];
  private timer: TimerHandle | undefined;
  /** The running write loop, if any: it writes batches one after another until the buffer is empty. */
  private draining: Promise<void> | null = null;
  dropped = 0;
  written = 0;

  constructor(
    private readonly store: Store,
    private readonly clock: Clock,
    private readonly logger: Logger,
    private readonly opts: { intervalMs?: number; maxBuffered?: number } = {},
  ) {}

  add(rec: ProbeRecord): void {
    this.buffer.push(rec);
    const max = this.opts.maxBuffered ?? 100_000;
    if (this.buffer.length > max) {
      const excess = this.buffer.length - max;
      this.buffer.splice(0, excess);
      this.dropped += excess;
    }
    // While a write is in flight the loop takes this buffer next: no timer, no second write.
    if (this.draining) return;
    this.timer ??= this.clock.setTimeout(() => {
      this.timer = undefined;
      void this.flush();
    }, this.opts.intervalMs ?? 1_000);
  }

  /** How many results wait for a write (not counting the batch in flight). */
  get buffered(): number {
    return this.buffer.length;
  }

  /** True while a batch is being written. */
  get inFlight(): boolean {
    return this.draining !== null;
  }

  /**
   * Writes what is buffered; resolves when it is in the store (or was dropped for a store error), together
   * with whatever was added meanwhile. Never starts a second write beside one in flight.
   */
  flush(): Promise<void> {
    this.clock.clearTimeout(this.timer);
    this.timer = undefined;
    this.draining ??= this.drain().finally(() => {
      this.draining = null;
      // Added between the loop's last look at the buffer and now: schedule it like any other result.
      if (this.buffer.length > 0 && this.timer === undefined) {
        this.timer = this.clock.setTimeout(() => {
          this.timer = undefined;
          void this.flush();
        }, this.opts.intervalMs ?? 1_000);
      }
    });
    return this.draining;
  }

  private async drain(): Promise<void> {
    while (this.buffer.length > 0) {
      const batch = this.buffer;
      this.buffer = [];
      try {
        await this.store.recordProbes(batch);
        this.written += batch.length;
      } catch (err) {
        this.dropped += batch.length;
        this.logger.warn({ err: errorMessage(err), results: batch.length }, 'could not store probe results');
      }
    }
  }
}
