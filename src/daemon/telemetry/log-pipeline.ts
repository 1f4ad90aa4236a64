import type { Logger } from 'pino';
import { errorMessage, type TimerHandle } from '../../core/index.js';
import type { TemplateMiner } from '../../detect/logs/index.js';
import { BoundedQueue, type LogRecord, type TailRecord } from '../../sources/logs/index.js';
import type { LogBatch, Store } from '../../store/index.js';
import type { LogSink, LogSinkStats } from './hub.js';
import { LogBatchMiner, type LogBatchMinerOptions, type LogItem } from './log-pipeline-mine.js';

export type { LogItem } from './log-pipeline-mine.js';
export { type LineParser, lineParser } from './log-pipeline-parse.js';

export interface LogPipelineOptions extends LogBatchMinerOptions {
  store: Store;
  logger: Logger;
}

/**
 * Lines a source that can wait may have queued before it waits for the miner: about one read of a tailed file
 * (256 KB of 128-byte lines). A line is mined soon after it is read, so its objects die in the young
 * generation; with a whole batch (20,000) read ahead, every young collection copied the lines waiting and
 * promoted them to the old one (a tailed file into the store took 1.23–1.31× the CPU on three Loghub sets,
 * medians of four pairs). How many lines are stored per transaction is `queue.batch`, not this: the miner
 * keeps one batch until the write.
 */
const READ_AHEAD = 2048;

/**
 * One service's log path: sources → bounded queue → parse → mine → classify → novelty (LogBatchMiner,
 * log-pipeline-mine.ts) → one store transaction per batch (template counts, per-minute counts, the lines, and
 * the tail positions they account for), mining the next lines while a write is in flight.
 */
export class LogPipeline implements LogSink {
  readonly service: string;
  readonly queue: BoundedQueue<LogItem>;
  /** The per-line work: parse, mine, classify, novelty, and the chunk of lines being filled. */
  private readonly lines: LogBatchMiner;
  private running = false;
  private loop: Promise<void> = Promise.resolve();
  private wake: (() => void) | null = null;
  private storedLines = 0;
  private storeErrors = 0;
  /** Lines mined and not yet stored (the miner holds their batch: see LogBatchMiner.take), since when. */
  private unwrittenLines = 0;
  private unwrittenSince: number | null = null;
  /** The last write started (they run one after another; store() never rejects), and those not done. */
  private writing: Promise<void> = Promise.resolve();
  private writesInFlight = 0;

  constructor(private readonly o: LogPipelineOptions) {
    this.service = o.service;
    this.queue = new BoundedQueue<LogItem>(o.config.queue.capacity, o.config.queue.overflow);
    this.lines = new LogBatchMiner(o);
  }

  get miner(): TemplateMiner {
    return this.lines.miner;
  }

  get acceptsPush(): boolean {
    return this.o.config.push;
  }

  start(): void {
    if (this.running) return;
    this.running = true;
    this.loop = this.run();
  }

  /** Processes and stores what is queued, then stops. */
  async stop(): Promise<void> {
    this.running = false;
    this.wake?.();
    await this.loop;
    while (this.queue.size > 0) await this.step();
  }

  /** A line that cannot wait (stdout, push): queued or dropped and counted. */
  offer(item: LogItem): boolean {
    const ok = this.queue.offer(item);
    this.wake?.();
    return ok;
  }

  offerLines(lines: { text: string; at: number | null; parsed?: LogRecord }[], source: string): number {
    let n = 0;
    const now = this.o.clock.now();
    for (const l of lines) {
      const item: LogItem = { text: l.text, at: l.at ?? now, received: now, source };
      if (l.parsed) item.parsed = l.parsed;
      if (this.queue.offer(item)) n++;
    }
    this.wake?.();
    return n;
  }

  /**
   * Tailed records wait for room (the file keeps them): backpressure, never a drop. `parse` is the file's own
   * format when it differs from the service's.
   */
  async pushRecords(
    records: TailRecord[],
    key: string,
    source: string,
    parse?: ((text: string) => LogRecord) | null,
  ): Promise<void> {
    const now = this.o.clock.now();
    await this.pushItems(
      records.map((r) => {
        // The record read is the line's position (dev, ino, end): no second object per line to allocate,
        // and it holds nothing the line does not (its text is the line's, its path one shared string).
        const item: LogItem = { text: r.text, at: now, source, fileKey: key, tail: r };
        if (parse) item.parsed = parse(r.text);
        return item;
      }),
    );
  }

  /**
   * Items from a source that can wait (a tailed file, a container's log): backpressure, never a drop. Such a
   * source waits once READ_AHEAD lines (or a batch, if smaller) are queued: reading further ahead would only
   * hold lines in memory that the file keeps anyway, and the rest of the queue stays free for lines that
   * cannot wait (stdout, push).
   */
  async pushItems(items: readonly LogItem[]): Promise<void> {
    const limit = Math.min(this.queue.capacity, this.o.config.queue.batch, READ_AHEAD);
    for (const item of items) {
      if (this.queue.size >= limit) {
        this.wake?.(); // the consumer makes the room
        await this.queue.below(limit);
      }
      // Lines that cannot wait may have filled the queue meanwhile: wait for room, never drop a file's line.
      if (this.queue.size >= this.queue.capacity) await this.queue.push(item);
      else this.queue.offer(item);
    }
    this.wake?.();
  }

  stats(): LogSinkStats {
    const q = this.queue.stats();
    return {
      service: this.service,
      enqueued: q.enqueued,
      dropped: q.dropped,
      processed: this.lines.processed,
      stored: this.storedLines,
      queued: q.size,
      highWater: q.highWater,
      templates: this.miner.templates().length,
      storeErrors: this.storeErrors,
    };
  }

  /** Lines and error lines per second since the last call. */
  takeRates(intervalMs: number): { lines: number; errors: number } {
    const m = this.lines;
    const r = { lines: (m.rateLines * 1000) / intervalMs, errors: (m.rateErrors * 1000) / intervalMs };
    m.rateLines = 0;
    m.rateErrors = 0;
    return r;
  }

  /**
   * Mines what arrives at once (findings are not delayed) and stores the mined batches together at most every
   * `queue.flush`, or sooner once `queue.batch` lines wait: a few lines a second must not cost a transaction
   * (and an fsync) each.
   */
  private async run(): Promise<void> {
    const { batch, flush } = this.o.config.queue;
    while (this.running) {
      // Mining goes on while a write is in flight (a store that writes on a thread of its own overlaps the
      // two; a slow commit makes the next write larger rather than holding the lines back), up to two
      // batches mined and not yet written.
      if (this.queue.size > 0 && this.unwrittenLines < 2 * batch) {
        // Up to the next whole batch: a source reads ahead less than a batch (READ_AHEAD), and a write still
        // takes whole batches.
        this.mine(this.queue.drain(batch - (this.unwrittenLines % batch)));
        this.unwrittenSince ??= this.o.clock.now();
        if (this.unwrittenLines >= batch && this.writesInFlight === 0) void this.write();
        continue;
      }
      if (this.unwrittenLines >= batch) {
        if (this.writesInFlight === 0) void this.write();
        else if (this.unwrittenLines >= 2 * batch) await this.writing;
        // Until more lines or the write's end, whichever comes first.
        else await this.sleep(null);
        continue;
      }
      if (this.unwrittenLines > 0) {
        const wait = (this.unwrittenSince ?? 0) + flush - this.o.clock.now();
        if (wait <= 0) {
          await this.write();
          continue;
        }
        await this.sleep(wait);
        continue;
      }
      await this.sleep(null);
    }
    await this.write();
  }

  /** Until a line arrives or stop() (and at most `ms`, when given). */
  private async sleep(ms: number | null): Promise<void> {
    let timer: TimerHandle | undefined;
    await new Promise<void>((resolve) => {
      this.wake = resolve;
      if (ms !== null) timer = this.o.clock.setTimeout(resolve, ms);
      if (this.queue.size > 0 || !this.running) resolve();
    });
    this.o.clock.clearTimeout(timer);
    this.wake = null;
  }

  /** Mines what is queued and stores it with what waits, now. */
  async flush(): Promise<void> {
    while (this.queue.size > 0) this.mine(this.queue.drain(this.o.config.queue.batch));
    await this.write();
  }

  /**
   * Stores the mined batches waiting, in one transaction, after any write in flight: when it resolves, every
   * line mined before the call is stored.
   */
  private write(): Promise<void> {
    // All that was mined, the chunk being filled with it (its lines are in the positions the batch stores).
    const batch = this.lines.take();
    if (!batch) return this.writing;
    const batches = [batch];
    const lines = this.unwrittenLines;
    this.unwrittenLines = 0;
    this.unwrittenSince = null;
    this.writesInFlight++;
    this.writing = this.writing.then(async () => {
      await this.store(batches, lines);
      this.writesInFlight--;
      this.wake?.();
    });
    return this.writing;
  }

  /** Mines one batch and stores it in one transaction (with any mined batch still waiting). */
  async step(): Promise<void> {
    const items = this.queue.drain(this.o.config.queue.batch);
    if (items.length === 0) return;
    this.mine(items);
    await this.write();
  }

  private async store(batches: LogBatch[], lines: number): Promise<void> {
    try {
      await this.o.store.recordLogBatch(batches);
      this.storedLines += lines;
    } catch (err) {
      this.storeErrors++;
      this.o.logger.warn(
        { service: this.service, err: errorMessage(err), lines },
        'could not store log lines',
      );
    } finally {
      this.lines.release(batches);
    }
  }

  /** Mines items into the batch the next write stores (template and minute counts, positions, lines). */
  private mine(items: LogItem[]): void {
    this.lines.mine(items);
    this.unwrittenLines += items.length;
  }
}
