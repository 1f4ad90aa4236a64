/** What the store keeps of logs and metrics (migration 005): the types of its telemetry methods. */
import type { LogChunkRow } from './log-chunk.js';
import type { Page } from './page.js';

/** Where a tailed file was read to: its identity (device, inode) and the byte offset after the last line. */
export interface LogPosition {
  dev: number;
  ino: number;
  offset: number;
}

/** What one batch adds to a template: counts are deltas, first/last seen widen the stored range. */
export interface LogTemplateDelta {
  service: string;
  templateId: string;
  text: string;
  category: string | null;
  severity: string | null;
  count: number;
  firstSeen: number;
  lastSeen: number;
  /** Newest example lines; replace the stored ones when given. */
  examples?: string[];
}

/** A template as stored: the delta's fields summed up, its examples, and the template it was merged into. */
export interface LogTemplateRecord extends Omit<LogTemplateDelta, 'examples'> {
  examples: string[];
  mergedInto: string | null;
}

export interface LogLine {
  service: string;
  at: number;
  templateId: string;
  level: string | null;
  /** `file:PATH`, `stdout`, `stderr`, `push`. */
  source: string;
  text: string;
}

/**
 * One batch of mined lines, written in one transaction: template counts, per-minute counts, merges, the lines,
 * and the tail positions they account for. A crash keeps all of it or none, so a restart that resumes from
 * the stored position neither loses nor repeats a line.
 */
export interface LogBatch {
  templates: LogTemplateDelta[];
  /** Templates the miner merged into more general ones: their stored counts move to `into`. */
  merges?: { service: string; from: string; into: string }[];
  /** Per-minute counts (bucket = the minute's start), added to what is stored. */
  counts?: { service: string; templateId: string; bucket: number; count: number }[];
  lines?: LogLine[];
  /** Lines already encoded as stored chunks (LogChunkBuilder), stored before the chunks `lines` makes. */
  chunks?: LogChunkRow[];
  offsets?: { source: string; position: LogPosition; at: number }[];
}

export interface LogTemplateFilter extends Page {
  service?: string;
  /** `count` (default): most frequent first; `recent`: last seen first. */
  order?: 'count' | 'recent';
  /** Include templates merged into others (default false). */
  merged?: boolean;
}

export interface LogLineFilter {
  service?: string;
  templateId?: string;
  /** Substring (case-insensitive) the line must contain. */
  contains?: string;
  since?: number;
  /** The newest `limit` matching lines (default 100), returned oldest first. */
  limit?: number;
}

/** A bounded read of stored lines: stops when its budget is spent, and says where to go on. */
export interface LogLineScan extends LogLineFilter {
  /** Continue with chunks older than this cursor (from an earlier answer that was cut short). */
  before?: number;
  /** At most this many stored chunks read (of up to 2000 lines each); default unbounded. */
  maxChunks?: number;
  /** Stop once about this much time went into the scan, ms; default unbounded. */
  budgetMs?: number;
}

export interface LogLineScanResult {
  /** Oldest first. */
  items: LogLine[];
  /** The budget ran out before `limit` lines were found or every chunk was read. */
  truncated: boolean;
  /** When truncated: pass as `before` to read on, older. */
  cursor: number | null;
}

/** How many stored lines each (source, template) of a service has in [from, to). */
export interface LogLineCounts {
  from: number;
  to: number;
  counts: { source: string; templateId: string; lines: number }[];
}

export interface MetricSample {
  service: string;
  metric: string;
  at: number;
  value: number;
}

/** Raw samples of one step-wide bucket, summarised. */
export interface MetricRollup {
  service: string;
  metric: string;
  step: number;
  bucket: number;
  count: number;
  sum: number;
  min: number;
  max: number;
  last: number;
}
