import type { ServiceLogsConfig } from '../../config/schema/logs.js';
import type { Clock, Finding } from '../../core/index.js';
import {
  type Classification,
  ErrorClassifier,
  NoveltyDetector,
  type Template,
  TemplateMiner,
} from '../../detect/logs/index.js';
import type { LogRecord, MessageAndLevel, TailRecord } from '../../sources/logs/index.js';
import {
  CHUNK_LINES,
  type LogBatch,
  LogChunkBuilder,
  type LogChunkRow,
  type LogTemplateDelta,
} from '../../store/index.js';
import { messageParser } from './log-pipeline-parse.js';

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

export interface LogBatchMinerOptions {
  service: string;
  config: ServiceLogsConfig;
  clock: Clock;
  /** A `pattern` finding (new or spiking error template). */
  onFinding(f: Finding): void;
  /** Template ids the store already knows for this service: seen before, so not new after a restart. */
  known?: Iterable<string>;
  /** Every line as it is mined, whatever its source, at the time Medic received it (abuse counting). */
  onLine?(text: string, at: number): void;
  /** Each line the novelty detector reads, by its template id (a pattern lasts while its lines keep coming). */
  onTemplateLine?(templateId: string, at: number): void;
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
 * The per-line half of a service's log path: parse → mine → classify → novelty, into a batch for the store
 * (template counts, per-minute counts, the tail positions and the chunks of lines filled meanwhile). A line
 * whose template is also used by non-error lines but which is itself an error (`GET <*> <*>` answered 500)
 * gets its own template id, `<template>~<category>`: an error burst is a new pattern even when its text has
 * the shape of normal traffic.
 */
export class LogBatchMiner {
  readonly service: string;
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
  /** Lines mined. */
  processed = 0;
  /** Lines and error lines since the last rate sample (the pipeline's takeRates resets them). */
  rateLines = 0;
  rateErrors = 0;
  /**
   * The mined lines not yet in a chunk of a batch: a chunk is encoded as soon as it is full, so that a line's
   * objects die young rather than wait for the write (see LogChunkBuilder).
   */
  private readonly chunk: LogChunkBuilder;
  /**
   * The batch in the making, until take(): each template's counts (one row per template however many reads
   * its lines came in), the last line of each tailed file, and the chunks filled.
   */
  private pending = new Map<string, Pending>();
  private lastOf = new Map<string, LogItem>();
  private full: LogChunkRow[] = [];

  constructor(private readonly o: LogBatchMinerOptions) {
    this.service = o.service;
    const c = o.config;
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
    this.chunk = new LogChunkBuilder(o.service, { bytes: true });
  }

  /** Takes back the memory of the batches' chunks once stored (see LogChunkBuilder.release). */
  release(batches: readonly LogBatch[]): void {
    for (const b of batches) if (b.chunks) this.chunk.release(b.chunks);
  }

  /** Chunks of lines filled and encoded since the last take (the chunk being filled aside). */
  get encodedChunks(): number {
    return this.full.length;
  }

  /**
   * Mines items into the batch in the making (see take): template and minute counts, positions, and the chunks
   * of lines filled meanwhile.
   */
  mine(items: LogItem[]): void {
    const service = this.service;
    const keepLines = this.o.config.retention > 0;
    const chunk = this.chunk;
    const full = this.full;
    const pending = this.pending;
    const lastOf = this.lastOf;
    const examplesMax = this.o.config.novelty.examples;
    const allTemplates = !this.o.config.novelty.errors_only;
    const onLine = this.o.onLine;
    const scanner = this.classifier.keywordScanner;
    let lastKey: string | undefined;
    let lastItem: LogItem | undefined;
    for (let n = 0; n < items.length; n++) {
      const item = items[n] as LogItem;
      // Abuse counts in a sliding window of arrival: a shipper backfilling old lines (or lying about their
      // times) must neither make an old burst new nor hide a new one among old times.
      onLine?.(item.text, item.received ?? item.at);
      const rec: MessageAndLevel = item.parsed ?? this.parse(item.text);
      // Stored times are when Medic received the line (retention, rates and novelty run on them); the
      // record's own time stays in its text.
      const at = item.at;
      // A header's content is the tail of the line: both scans read the line (flat) from where it begins.
      const from = rec.headed === true ? (rec.from ?? -1) : -1;
      // A header's fields are not read for the built-in kinds (a host named `auth-timeout-2` makes no line a
      // timeout); its level is read as a level. A JSON record's other fields are: an error often stands there.
      const classified = rec.headed === true ? rec.message : item.text;
      // The classifier's keyword scan runs in the miner's pass over the line when both read the same text.
      const template =
        from >= 0
          ? this.miner.match(item.text, at, from, scanner)
          : this.miner.match(rec.message, at, 0, classified === rec.message ? scanner : null);
      const error: Classification | null = this.classifier.classify(
        item.text,
        rec.level ?? undefined,
        classified,
        from,
        this.miner.scanned,
      );
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
      // The file of the line before is the usual case: its last line is noted when another file's line comes
      // (and at the end), not in the map at every line.
      const key = item.fileKey;
      if (key !== undefined) {
        if (key !== lastKey) {
          if (lastKey !== undefined) lastOf.set(lastKey, lastItem as LogItem);
          // First seen: the map keeps the files in that order.
          if (!lastOf.has(key)) lastOf.set(key, item);
          lastKey = key;
        }
        lastItem = item;
      }
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
    if (lastKey !== undefined) lastOf.set(lastKey, lastItem as LogItem);
    this.processed += items.length;
  }

  /**
   * What was mined since the last take, the chunk being filled included, as one batch (null when nothing was):
   * a row per template and per template and minute however many reads the lines came in, the last position of
   * each file, and the merges of templates stored before, after the template rows as the store applies them.
   */
  take(): LogBatch | null {
    const rest = this.chunk.take();
    if (rest) this.full.push(rest);
    if (this.pending.size === 0 && this.full.length === 0) return null;
    const service = this.service;
    const templates: LogTemplateDelta[] = [];
    const counts: NonNullable<LogBatch['counts']> = [];
    for (const [id, p] of this.pending) {
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
    for (const [key, item] of this.lastOf) {
      const t = item.tail as NonNullable<LogItem['tail']>;
      offsets.push({ source: key, position: { dev: t.dev, ino: t.ino, offset: t.end }, at: item.at });
    }
    const chunks = this.full;
    this.pending = new Map();
    this.lastOf = new Map();
    this.full = [];
    return { templates, merges, counts, chunks, offsets };
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
