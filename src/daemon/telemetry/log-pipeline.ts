import type { Logger } from 'pino';
import type { ServiceLogsConfig } from '../../config/schema/logs.js';
import { type Clock, errorMessage, type Finding, type TimerHandle } from '../../core/index.js';
import {
  type Classification,
  ErrorClassifier,
  NoveltyDetector,
  type Template,
  TemplateMiner,
} from '../../detect/logs/index.js';
import {
  BoundedQueue,
  compileHeader,
  type HeaderParser,
  type LogRecord,
  type MessageAndLevel,
  parseJsonLine,
  parseLine,
  parseMessage,
  parseTextLine,
  type TailRecord,
} from '../../sources/logs/index.js';
import {
  CHUNK_LINES,
  type LogBatch,
  LogChunkBuilder,
  type LogChunkRow,
  type LogTemplateDelta,
  type Store,
} from '../../store/index.js';
import type { LogSink, LogSinkStats } from './hub.js';

/** One record on its way to the miner. */
export interface LogItem {
  text: string;
  /** When it arrived (the record's own time, if it has one, wins). */
  at: number;
  /** When Medic received it, whatever the record says (a pushed record's own time may be old or far off). */
  received?: number;
  /** `stdout`, `stderr`, `push`, `file:PATH`. */
  source: string;
  /** For tailed files: the offset key … */
  fileKey?: string;
  /** … and the record read (its file and the position just after it). */
  tail?: Pick<TailRecord, 'dev' | 'ino' | 'end'>;
  /** A pushed record already parsed. */
  parsed?: LogRecord;
}

export interface LogPipelineOptions {
  service: string;
  config: ServiceLogsConfig;
  store: Store;
  clock: Clock;
  logger: Logger;
  /** A `pattern` finding (new or spiking error template). */
  onFinding(f: Finding): void;
  /** Template ids the store already knows for this service: seen before, so not new after a restart. */
  known?: Iterable<string>;
  /** Every line as it is mined, whatever its source, at the time Medic received it (abuse counting). */
  onLine?(text: string, at: number): void;
  /** Each line the novelty detector reads, by its template id (a pattern lasts while its lines keep coming). */
  onTemplateLine?(templateId: string, at: number): void;
}

export type LineParser = (text: string) => LogRecord;

export function lineParser(format: string): LineParser {
  if (format === 'json') return (t) => parseJsonLine(t) ?? parseTextLine(t, null);
  if (format === 'text') return (t) => parseTextLine(t, null);
  const header: HeaderParser | null = format === 'auto' ? null : compileHeader(format);
  return (t) => parseLine(t, header);
}

/** The per-line parse of the pipeline: message and level only (see parseMessage). */
function messageParser(format: string): (text: string) => MessageAndLevel {
  if (format === 'json') return (t) => parseJsonLine(t) ?? parseTextLine(t, null);
  if (format === 'text') return (t) => parseTextLine(t, null);
  const header: HeaderParser | null = format === 'auto' ? null : compileHeader(format);
  return (t) => parseMessage(t, header);
}

interface Pending {
  delta: LogTemplateDelta;
  template: Template;
  /** Lines per minute bucket, but for the bucket being counted (most lines of a batch share one minute). */
  buckets: Map<number, number>;
  /** The bucket being counted (NaN: none yet) and its lines so far. */
  bucket: number;
  bucketCount: number;
}

/**
 * One service's log path: sources → bounded queue → parse → mine → classify → novelty → one store
 * transaction per batch (template counts, per-minute counts, the lines, and the tail positions they account
 * for). A line whose template is also used by non-error lines but which is itself an error (`GET <*> <*>`
 * answered 500) gets its own template id, `<template>~<category>`: an error burst is a new pattern even when
 * its text has the shape of normal traffic.
 */
export class LogPipeline implements LogSink {
  readonly service: string;
  readonly queue: BoundedQueue<LogItem>;
  readonly miner: TemplateMiner;
  private readonly classifier: ErrorClassifier;
  private readonly novelty: NoveltyDetector;
  private readonly parse: (text: string) => MessageAndLevel;
  /** An error template's text with its category, as last built from the miner's (cached) text. */
  private readonly errorTexts = new Map<string, { base: string; text: string }>();
  /** The last error id of each template (see errorId). */
  private readonly errorIds = new Map<Template, { category: string; id: string }>();
  private readonly seen: Set<string>;
  /** Every stored template id and the miner's template behind it (to notice merges). */
  private readonly stored = new Map<string, Template>();
  private running = false;
  private loop: Promise<void> = Promise.resolve();
  private wake: (() => void) | null = null;
  private processed = 0;
  private storedLines = 0;
  private storeErrors = 0;
  /** Lines and error lines since the last rate sample. */
  private rateLines = 0;
  private rateErrors = 0;
  /** Mined batches not yet stored, their lines, and since when the oldest waits. */
  private unwritten: LogBatch[] = [];
  private unwrittenLines = 0;
  private unwrittenSince: number | null = null;
  /** The last write started (they run one after another; store() never rejects), and those not done. */
  private writing: Promise<void> = Promise.resolve();
  private writesInFlight = 0;
  /**
   * The mined lines not yet in a chunk of a batch: a chunk is encoded as soon as it is full, so that a line's
   * objects die young rather than wait for the write (see LogChunkBuilder).
   */
  private readonly chunk: LogChunkBuilder;

  constructor(private readonly o: LogPipelineOptions) {
    this.service = o.service;
    const c = o.config;
    this.queue = new BoundedQueue<LogItem>(c.queue.capacity, c.queue.overflow);
    this.miner = new TemplateMiner({
      ...(c.miner.similarity !== undefined && { similarity: c.miner.similarity }),
      ...(c.miner.depth !== undefined && { depth: c.miner.depth }),
      ...(c.miner.max_children !== undefined && { maxChildren: c.miner.max_children }),
      ...(c.miner.max_clusters !== undefined && { maxClusters: c.miner.max_clusters }),
      ...(c.miner.max_word_values !== undefined && { maxWordValues: c.miner.max_word_values }),
    });
    this.classifier = new ErrorClassifier(c.rules);
    this.novelty = new NoveltyDetector(o.clock, {
      service: o.service,
      windowMs: c.novelty.window,
      warmupMs: c.novelty.warmup,
      spikeSigma: c.novelty.spike_sigma,
      spikeMinCount: c.novelty.spike_min_count,
      examples: c.novelty.examples,
      errorsOnly: c.novelty.errors_only,
    });
    this.parse = messageParser(c.format);
    this.seen = new Set(o.known ?? []);
    this.chunk = new LogChunkBuilder(o.service);
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
   * source waits once a batch is queued: reading further ahead would only hold lines in memory that the
   * file keeps anyway, and the rest of the queue stays free for lines that cannot wait (stdout, push).
   */
  async pushItems(items: readonly LogItem[]): Promise<void> {
    const limit = Math.min(this.queue.capacity, this.o.config.queue.batch);
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
      processed: this.processed,
      stored: this.storedLines,
      queued: q.size,
      highWater: q.highWater,
      templates: this.miner.templates().length,
      storeErrors: this.storeErrors,
    };
  }

  /** Lines and error lines per second since the last call. */
  takeRates(intervalMs: number): { lines: number; errors: number } {
    const r = { lines: (this.rateLines * 1000) / intervalMs, errors: (this.rateErrors * 1000) / intervalMs };
    this.rateLines = 0;
    this.rateErrors = 0;
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
        const items = this.queue.drain(batch);
        this.unwritten.push(this.mine(items));
        this.unwrittenLines += items.length;
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
      if (this.unwritten.length > 0) {
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
    while (this.queue.size > 0) {
      const items = this.queue.drain(this.o.config.queue.batch);
      this.unwritten.push(this.mine(items));
      this.unwrittenLines += items.length;
    }
    await this.write();
  }

  /**
   * Stores the mined batches waiting, in one transaction, after any write in flight: when it resolves, every
   * line mined before the call is stored.
   */
  private write(): Promise<void> {
    // The lines of the chunk being filled go with the batches they were mined in (and the positions they
    // account for).
    const rest = this.chunk.take();
    if (rest) this.lastBatch().chunks?.push(rest);
    if (this.unwritten.length === 0) return this.writing;
    const batches = this.unwritten;
    const lines = this.unwrittenLines;
    this.unwritten = [];
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
    this.unwritten.push(this.mine(items));
    this.unwrittenLines += items.length;
    await this.write();
  }

  private lastBatch(): LogBatch {
    let last = this.unwritten[this.unwritten.length - 1];
    if (!last) {
      last = { templates: [], chunks: [] };
      this.unwritten.push(last);
    }
    last.chunks ??= [];
    return last;
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
    }
  }

  /**
   * Mines items into a batch: template and minute counts, positions, and the chunks of lines filled meanwhile
   * (the lines of the chunk still being filled are stored with the next write).
   */
  mine(items: LogItem[]): LogBatch {
    const service = this.service;
    const keepLines = this.o.config.retention > 0;
    const chunk = this.chunk;
    const full: LogChunkRow[] = [];
    const pending = new Map<string, Pending>();
    /** The last item of each tailed file: its position is where the file is read to. */
    const lastOf = new Map<string, LogItem>();
    const examplesMax = this.o.config.novelty.examples;
    const allTemplates = !this.o.config.novelty.errors_only;
    const onLine = this.o.onLine;
    for (let n = 0; n < items.length; n++) {
      const item = items[n] as LogItem;
      // Abuse counts in a sliding window of arrival: a shipper backfilling old lines (or lying about their
      // times) must neither make an old burst new nor hide a new one among old times.
      onLine?.(item.text, item.received ?? item.at);
      const rec = item.parsed ?? this.parse(item.text);
      // Stored times are when Medic received the line (retention, rates and novelty run on them); the
      // record's own time stays in its text.
      const at = item.at;
      const template = this.miner.match(rec.message, at);
      const error: Classification | null = this.classifier.classify(item.text, rec.level ?? undefined);
      const id = error ? this.errorId(template, error.category) : template.id;
      const isNew = !this.seen.has(id);
      if (isNew) this.seen.add(id);
      let p = pending.get(id);
      if (!p) {
        p = {
          template,
          delta: {
            service,
            templateId: id,
            text: '',
            category: error?.category ?? null,
            severity: error?.severity ?? null,
            count: 0,
            firstSeen: at,
            lastSeen: at,
            examples: [],
          },
          buckets: new Map(),
          bucket: Number.NaN,
          bucketCount: 0,
        };
        pending.set(id, p);
      }
      p.template = template;
      const d = p.delta;
      d.count++;
      if (at < d.firstSeen) d.firstSeen = at;
      if (at > d.lastSeen) d.lastSeen = at;
      if ((isNew || error) && (d.examples as string[]).length < examplesMax)
        (d.examples as string[]).push(item.text);
      const bucket = Math.floor(at / 60_000) * 60_000;
      if (bucket === p.bucket) p.bucketCount++;
      else {
        if (p.bucketCount > 0) p.buckets.set(p.bucket, (p.buckets.get(p.bucket) ?? 0) + p.bucketCount);
        p.bucket = bucket;
        p.bucketCount = 1;
      }
      if (keepLines) {
        chunk.add(at, id, rec.level, item.source, item.text);
        if (chunk.size >= CHUNK_LINES) full.push(chunk.take() as LogChunkRow);
      }
      if (item.fileKey !== undefined) lastOf.set(item.fileKey, item);
      this.rateLines++;
      if (error || allTemplates) this.o.onTemplateLine?.(id, at);
      if (error) {
        this.rateErrors++;
        const findings = this.novelty.observe({
          templateId: id,
          template: this.textOf(template, error, id),
          line: item.text,
          created: isNew,
          error,
        });
        for (const f of findings) this.o.onFinding(f);
      } else if (allTemplates) {
        for (const f of this.novelty.observe({
          templateId: id,
          template: this.miner.text(template),
          line: item.text,
          created: isNew,
          error: null,
        }))
          this.o.onFinding(f);
      }
    }
    this.processed += items.length;
    const templates: LogTemplateDelta[] = [];
    const counts: NonNullable<LogBatch['counts']> = [];
    for (const [id, p] of pending) {
      const live = this.miner.resolve(p.template);
      p.delta.text = this.textOf(live, p.delta.category ? { category: p.delta.category } : null, id);
      templates.push(p.delta);
      this.stored.set(id, p.template);
      if (p.bucketCount > 0) p.buckets.set(p.bucket, (p.buckets.get(p.bucket) ?? 0) + p.bucketCount);
      for (const [bucket, count] of p.buckets) counts.push({ service, templateId: id, bucket, count });
    }
    const merges: LogBatch['merges'] = [];
    for (const [id, t] of this.stored) {
      if (!t.mergedInto) continue;
      const suffix = id.includes('~') ? id.slice(id.indexOf('~')) : '';
      const into = this.miner.resolve(t).id + suffix;
      this.stored.delete(id);
      if (into !== id) {
        merges.push({ service, from: id, into });
        this.stored.set(into, this.miner.resolve(t));
      }
    }
    const offsets: NonNullable<LogBatch['offsets']> = [];
    for (const [key, item] of lastOf) {
      const t = item.tail as NonNullable<LogItem['tail']>;
      offsets.push({ source: key, position: { dev: t.dev, ino: t.ino, offset: t.end }, at: item.at });
    }
    return { templates, merges, counts, chunks: full, offsets };
  }

  /** `<template>~<category>`, built once per template and category rather than once per line. */
  private errorId(template: Template, category: string): string {
    const cached = this.errorIds.get(template);
    if (cached?.category === category) return cached.id;
    const id = `${template.id}~${category}`;
    if (this.errorIds.size >= 50_000) this.errorIds.clear();
    this.errorIds.set(template, { category, id });
    return id;
  }

  /** The stored text of template id `id`: the miner's, with the error category when there is one. */
  private textOf(t: Template, error: Pick<Classification, 'category'> | null, id: string): string {
    const text = this.miner.text(t);
    if (!error) return text;
    const cached = this.errorTexts.get(id);
    if (cached?.base === text) return cached.text;
    const withCategory = `${text} [${error.category}]`;
    if (this.errorTexts.size >= 50_000) this.errorTexts.clear();
    this.errorTexts.set(id, { base: text, text: withCategory });
    return withCategory;
  }
}
