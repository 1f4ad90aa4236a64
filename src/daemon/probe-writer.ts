import type { Logger } from 'pino';
import { type Clock, errorMessage, type TimerHandle } from '../core/index.js';
import type { ProbeRecord, Store } from '../store/index.js';

/**
 * Buffers probe results and writes them in batches: one transaction per flush instead of one fsync per
 * result. A crash loses at most one flush interval of probe history, never a finding, incident or action
 * (those are written at once). Bounded: if the store falls behind, the oldest buffered results are dropped
 * and counted.
 */
export class ProbeWriter {
  private buffer: ProbeRecord[] = [];
  private timer: TimerHandle | undefined;
  private flushing: Promise<void> = Promise.resolve();
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
    this.timer ??= this.clock.setTimeout(() => {
      this.timer = undefined;
      void this.flush();
    }, this.opts.intervalMs ?? 250);
  }

  /** Writes what is buffered; resolves when it (and any flush before it) is in the store. */
  flush(): Promise<void> {
    this.clock.clearTimeout(this.timer);
    this.timer = undefined;
    const batch = this.buffer;
    this.buffer = [];
    this.flushing = this.flushing.then(async () => {
      if (batch.length === 0) return;
      try {
        await this.store.recordProbes(batch);
        this.written += batch.length;
      } catch (err) {
        this.dropped += batch.length;
        this.logger.warn({ err: errorMessage(err), results: batch.length }, 'could not store probe results');
      }
    });
    return this.flushing;
  }
}
