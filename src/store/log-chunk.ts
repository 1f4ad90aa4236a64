/**
 * A chunk of stored log lines, built line by line in the stored layout (v3): `{"v":3,"k":[[templateId, level,
 * source], …],"t":[at - first_at, …],"i":[k, …],"x":[text, …]}`, each (template, level, source) triple written
 * once per chunk, so that a line costs its text and a few bytes. Columns rather than a small array per line:
 * JSON.stringify writes plain arrays of numbers and strings in about half the time. Text fields are stored
 * free of NUL bytes (see noNul), each distinct triple cleaned once.
 *
 * A writer that encodes each chunk as soon as it is full holds no object per line until its transaction:
 * the lines' texts die young, and the chunk's body (a few hundred KB) is one large string the young
 * generation's collections never copy.
 */

/** Lines per stored chunk row. */
export const CHUNK_LINES = 2000;

/** A row of `log_chunks` as written. */
export interface LogChunkRow {
  service: string;
  first_at: number;
  last_at: number;
  lines: number;
  body: string;
}

/**
 * A NUL byte (a binary blob or a corrupt file in a log) cannot be stored in a PostgreSQL text column: one such
 * line would fail the whole batch, and the tail would re-read it forever. Stripped from every text stored.
 */
export function noNul(text: string): string {
  return text.includes('\u0000') ? text.replaceAll('\u0000', '') : text;
}
export const noNulOrNull = (text: string | null): string | null => (text === null ? null : noNul(text));

export class LogChunkBuilder {
  private readonly service: string;
  private keys = new Map<string, Map<string | null, Map<string, number>>>();
  private dict: [string, string | null, string][] = [];
  // Filled by push, not preallocated: JSON.stringify is slower on a holey array.
  private times: number[] = [];
  private kinds: number[] = [];
  private texts: string[] = [];
  private first = Number.POSITIVE_INFINITY;
  private last = Number.NEGATIVE_INFINITY;
  /** The last triple added and its index: most lines repeat the one before (same template, level, file). */
  private lastTemplate: string | null = null;
  private lastLevel: string | null = null;
  private lastSource: string | null = null;
  private lastKind = -1;

  constructor(service: string) {
    this.service = noNul(service);
  }

  /** Lines added since the last take(). */
  get size(): number {
    return this.texts.length;
  }

  add(at: number, templateId: string, level: string | null, source: string, text: string): void {
    let k = this.lastKind;
    if (k < 0 || templateId !== this.lastTemplate || level !== this.lastLevel || source !== this.lastSource) {
      k = this.kindOf(templateId, level, source);
      this.lastTemplate = templateId;
      this.lastLevel = level;
      this.lastSource = source;
      this.lastKind = k;
    }
    if (at < this.first) this.first = at;
    if (at > this.last) this.last = at;
    this.times.push(at);
    this.kinds.push(k);
    this.texts.push(noNul(text));
  }

  /** The row of the lines added (null when none), and an empty builder for the next. */
  take(): LogChunkRow | null {
    const n = this.texts.length;
    if (n === 0) return null;
    const first = this.first;
    const times = this.times;
    for (let i = 0; i < n; i++) times[i] = (times[i] as number) - first;
    const row: LogChunkRow = {
      service: this.service,
      first_at: first,
      last_at: this.last,
      lines: n,
      body: JSON.stringify({ v: 3, k: this.dict, t: times, i: this.kinds, x: this.texts }),
    };
    this.keys = new Map();
    this.dict = [];
    this.times = [];
    this.kinds = [];
    this.texts = [];
    this.first = Number.POSITIVE_INFINITY;
    this.last = Number.NEGATIVE_INFINITY;
    this.lastKind = -1;
    return row;
  }

  private kindOf(templateId: string, level: string | null, source: string): number {
    let byLevel = this.keys.get(templateId);
    if (!byLevel) {
      byLevel = new Map();
      this.keys.set(templateId, byLevel);
    }
    let bySource = byLevel.get(level);
    if (!bySource) {
      bySource = new Map();
      byLevel.set(level, bySource);
    }
    let k = bySource.get(source);
    if (k === undefined) {
      k = this.dict.length;
      bySource.set(source, k);
      this.dict.push([noNul(templateId), noNulOrNull(level), noNul(source)]);
    }
    return k;
  }
}
