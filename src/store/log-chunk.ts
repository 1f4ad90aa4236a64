/**
 * A chunk of stored log lines, built line by line in the stored layout (v3): `{"v":3,"k":[[templateId, level,
 * source], …],"t":[at - first_at, …],"i":[k, …],"x":[text, …]}`, each (template, level, source) triple written
 * once per chunk, so that a line costs its text and a few bytes. Columns rather than a small array per line:
 * JSON.stringify writes plain arrays of numbers and strings in about half the time. Text fields are stored
 * free of NUL bytes (see noNul), each distinct triple cleaned once.
 *
 * A writer that encodes each chunk as soon as it is full holds no object per line until its transaction:
 * the lines' texts die young. The body is kept in parts (ChunkParts) of a few tens of KB, not as one string
 * of a few hundred KB: V8 makes so large a string in memory of its own, fresh from the system at each
 * chunk, and JSON.stringify's result is flattened into another such string by whatever reads it; touching
 * fresh memory costs about a millisecond a chunk on this kind of machine. The log writer's thread gets the
 * parts' bytes (writeChunkBody) without ever making the whole string; other writers join them (chunkBodyText).
 */
/** Lines per stored chunk row. */
export const CHUNK_LINES = 2000;

/**
 * The body of a chunk in parts: the text up to the texts' array, then the texts as JSON arrays of a few
 * hundred lines each (`["a","b"]`, `["c"]`), then the rest: the stored body is the first part, the arrays
 * merged into one (`["a","b","c"]`), and the last part.
 */
export type ChunkParts = readonly string[];

/** A row of `log_chunks` as written: its body as the stored text, in parts, or as the text's UTF-8 bytes. */
export interface LogChunkRow {
  service: string;
  first_at: number;
  last_at: number;
  lines: number;
  body: ChunkBody;
}

export type ChunkBody = string | ChunkParts | Uint8Array;

/** Characters of texts per part of a chunk's body: well under V8's 128 KB for a string of its own. */
const PART_CHARS = 24_000;

/** The stored text of a chunk's body. */
export function chunkBodyText(body: ChunkBody): string {
  if (typeof body === 'string') return body;
  if (body instanceof Uint8Array)
    return Buffer.from(body.buffer, body.byteOffset, body.byteLength).toString('utf8');
  const n = body.length;
  if (n < 3) return body.join('');
  const arrays: string[] = [];
  for (let i = 1; i < n - 1; i++) arrays.push((body[i] as string).slice(1, -1));
  return `${body[0]}[${arrays.join(',')}]${body[n - 1]}`;
}

/**
 * Writes a chunk's body as UTF-8 into `out` at `offset` (room for 3 bytes a UTF-16 unit of its parts is the
 * caller's) and returns the bytes written: the same bytes as the stored text's.
 */
export function writeChunkBody(body: ChunkBody, out: Buffer, offset: number): number {
  if (typeof body === 'string') return out.write(body, offset, 'utf8');
  if (body instanceof Uint8Array) {
    out.set(body, offset);
    return body.length;
  }
  const n = body.length;
  let pos = offset;
  for (let i = 0; i < n; i++) {
    // Each array after the first is written over the `]` ending the one before, its `[` then made a `,`.
    const merge = i > 1 && i < n - 1;
    const at = merge ? pos - 1 : pos;
    pos = at + out.write(body[i] as string, at, 'utf8');
    if (merge) out[at] = 44;
  }
  return pos - offset;
}

/** Bytes of a body's memory are a multiple of this, so that a body given back serves most later ones. */
const BODY_ROUND = 64 * 1024;
/** Bodies' memory kept for reuse at most (a write in flight and two mined: about 30 chunks). */
const POOL_MAX = 48;

/** The most UTF-8 bytes a body can take: exact for bytes, 3 a UTF-16 unit otherwise. */
export function chunkBodyMaxBytes(body: ChunkBody): number {
  if (typeof body === 'string') return 3 * body.length;
  if (body instanceof Uint8Array) return body.length;
  let n = 0;
  for (const p of body) n += p.length;
  return 3 * n;
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
  private readonly bytes: boolean;
  /**
   * Memory of bodies given back (release) for later ones: fresh memory costs about 1 ms a chunk to touch here,
   * more than encoding it. `lent` holds the memory of the bodies out, so that none is given back twice.
   */
  private readonly pool: Buffer[] = [];
  private readonly lent = new WeakSet<ArrayBufferLike>();
  private keys = new Map<string, Map<string | null, Map<string, number>>>();
  private dict: [string, string | null, string][] = [];
  // Filled by push, not preallocated: JSON.stringify is slower on a holey array.
  private times: number[] = [];
  private kinds: number[] = [];
  /** The texts in parts of about PART_CHARS characters, the last being filled. */
  private parts: string[][] = [];
  private part: string[] = [];
  private partChars = 0;
  private count = 0;
  private first = Number.POSITIVE_INFINITY;
  private last = Number.NEGATIVE_INFINITY;
  /** The last triple added and its index: most lines repeat the one before (same template, level, file). */
  private lastTemplate: string | null = null;
  private lastLevel: string | null = null;
  private lastSource: string | null = null;
  private lastKind = -1;

  /**
   * `bytes`: each body is encoded to UTF-8 as it is taken, in memory outside V8's heap, for a writer that
   * holds chunks a while before storing them on the log writer's thread: its strings then die young, where
   * parts waiting for the write survive into the old generation (a few MB per batch, copied by each young
   * collection on the way). Without it, the body is in parts (for a writer that stores it as text at once).
   */
  constructor(service: string, options: { bytes?: boolean } = {}) {
    this.service = noNul(service);
    this.bytes = options.bytes ?? false;
  }

  /** Lines added since the last take(). */
  get size(): number {
    return this.count;
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
    if (this.partChars >= PART_CHARS) {
      this.parts.push(this.part);
      this.part = [];
      this.partChars = 0;
    }
    this.part.push(noNul(text));
    this.partChars += text.length;
    this.count++;
  }

  /** The row of the lines added (null when none), and an empty builder for the next. */
  take(): LogChunkRow | null {
    const n = this.count;
    if (n === 0) return null;
    const first = this.first;
    const times = this.times;
    for (let i = 0; i < n; i++) times[i] = (times[i] as number) - first;
    const parts: ChunkParts = [
      `{"v":3,"k":${JSON.stringify(this.dict)},"t":${JSON.stringify(times)},"i":${JSON.stringify(this.kinds)},"x":`,
      ...this.parts.map((p) => JSON.stringify(p)),
      JSON.stringify(this.part),
      '}',
    ];
    const row: LogChunkRow = {
      service: this.service,
      first_at: first,
      last_at: this.last,
      lines: n,
      body: this.bytes ? this.encode(parts) : parts,
    };
    this.keys = new Map();
    this.dict = [];
    this.times = [];
    this.kinds = [];
    this.parts = [];
    this.part = [];
    this.partChars = 0;
    this.count = 0;
    this.first = Number.POSITIVE_INFINITY;
    this.last = Number.NEGATIVE_INFINITY;
    this.lastKind = -1;
    return row;
  }

  /**
   * Takes back the bodies of rows this builder made, once their store is done with them: a store copies what
   * it writes before its promise resolves, and nothing reads a row's body after that.
   */
  release(rows: Iterable<LogChunkRow>): void {
    for (const r of rows) {
      const b = r.body;
      if (!(b instanceof Uint8Array) || !this.lent.has(b.buffer)) continue;
      this.lent.delete(b.buffer);
      if (this.pool.length < POOL_MAX) this.pool.push(Buffer.from(b.buffer));
    }
  }

  /** The UTF-8 bytes of a body in parts, in memory outside V8's heap (given back by release). */
  private encode(parts: ChunkParts): Uint8Array {
    // Each array of texts after the first loses a byte where it joins the one before (see writeChunkBody).
    let bytes = -Math.max(0, parts.length - 3);
    for (const p of parts) bytes += Buffer.byteLength(p, 'utf8');
    let out = this.pool.pop();
    if (out === undefined || out.length < bytes)
      out = Buffer.allocUnsafeSlow(Math.ceil(bytes / BODY_ROUND) * BODY_ROUND);
    this.lent.add(out.buffer);
    writeChunkBody(parts, out, 0);
    return out.subarray(0, bytes);
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
