import type { Logger } from 'pino';
import { type Clock, errorMessage, type TimerHandle } from '../core/index.js';
import type { ProbeRecord, Store } from '../store/index.js';

/** Timed writes that fail are tried again this many times, backing off, before their results are dropped. */
export const PROBE_WRITE_RETRIES = 5;
/** The longest wait between two tries. */
const MAX_BACKOFF_MS = 30_000;

/**
 * Buffers probe results and writes them in batches: one transaction per flush instead of one fsync per
 * result. A crash loses at most one flush interval of probe history, never a finding, incident or action
 * (those are written at once). Bounded: at most one write is in flight; while the store is slow (or hangs)
 * results keep gathering in the one buffer, and beyond maxBuffered the oldest are dropped and counted. A
 * failed timed write goes back to the front of the buffer and is tried again with backoff (a PostgreSQL that
 * is slow to hand out a connection on a loaded machine loses nothing); only after PROBE_WRITE_RETRIES failures
 * in a row is the batch dropped and counted.
 */
export class ProbeWriter {
  private buffer: ProbeRecord[] = [];
  private timer: TimerHandle | undefined;
  /** The running write loop, if any: it writes batches one after another until the buffer is empty. */
  private draining: Promise<void> | null = null;
  /** Failed writes in a row; 0 while the store takes them. */
  private failures = 0;
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
    this.trim();
    // While a write is in flight the loop takes this buffer next: no timer, no second write.
    if (this.draining) return;
    this.schedule(this.interval);
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
    return this.write(false);
  }

  private get interval(): number {
    return this.opts.intervalMs ?? 1_000;
  }

  private schedule(ms: number): void {
    this.timer ??= this.clock.setTimeout(() => {
      this.timer = undefined;
      void this.write(true);
    }, ms);
  }

  private trim(): void {
    const max = this.opts.maxBuffered ?? 100_000;
    if (this.buffer.length > max) {
      const excess = this.buffer.length - max;
      this.buffer.splice(0, excess);
      this.dropped += excess;
    }
  }

  /** `retry`: a failed batch waits for another try (timed writes); an explicit flush wants an answer now. */
  private write(retry: boolean): Promise<void> {
    this.clock.clearTimeout(this.timer);
    this.timer = undefined;
    this.draining ??= this.drain(retry).finally(() => {
      this.draining = null;
      // Added between the loop's last look at the buffer and now, or put back after a failure: schedule it.
      if (this.buffer.length > 0) {
        const backoff = this.failures === 0 ? 0 : this.interval * 2 ** (this.failures - 1);
        this.schedule(Math.min(MAX_BACKOFF_MS, Math.max(this.interval, backoff)));
      }
    });
    return this.draining;
  }

  private async drain(retry: boolean): Promise<void> {
    while (this.buffer.length > 0) {
      const batch = this.buffer;
      this.buffer = [];
      try {
        await this.store.recordProbes(batch);
        this.written += batch.length;
        if (this.failures > 0) this.logger.info({ after: this.failures }, 'probe results stored again');
        this.failures = 0;
      } catch (err) {
        this.failures++;
        if (retry && this.failures <= PROBE_WRITE_RETRIES) {
          // Back to the front, older than what came meanwhile; the cap still holds.
          this.buffer = batch.concat(this.buffer);
          this.trim();
          if (this.failures === 1) {
            this.logger.warn(
              { err: errorMessage(err), results: batch.length },
              'could not store probe results: will retry',
            );
          }
          return;
        }
        this.dropped += batch.length;
        this.logger.warn({ err: errorMessage(err), results: batch.length }, 'could not store probe results');
      }
    }
  }
}
