/**
 * A chunk of stored log lines, built line by line in the stored layout (v3): `{"x":[text, …],"v":3,"k":
 * [[templateId, level, source], …],"t":[at - first_at, …],"i":[k, …]}`, each (template, level, source) triple
 * written once per chunk, so that a line costs its text and a few bytes. Columns rather than a small array per
 * line: JSON.stringify writes plain arrays of numbers and strings in about half the time. Text fields are
 * stored free of NUL bytes (see noNul), each distinct triple cleaned once. Readers parse the JSON, so the
 * order of its fields is free: the texts come first.
 *
 * The texts go as they come into the chunk's own buffer, as UTF-8, a few hundred at a time (one join, one
 * write), and the rest is appended when the chunk is taken: the body is made where it is filled, never copied.
 * JSON.stringify of the texts made three to five bytes of garbage for each byte stored (its builder's pieces,
 * then the flat copy whatever read it made), the largest share of a log line's garbage. A text JSON would
 * escape (a quote, a backslash, a control character, a surrogate) is escaped alone. The buffers, shared memory
 * outside V8's heap that the log writer's thread reads in place, come from one pool for the process and go back
 * to it once stored (release): fresh memory costs about a millisecond a chunk to touch on this kind of machine,
 * more than encoding it.
 */
/** Lines per stored chunk row. */
export const CHUNK_LINES = 2000;

/** A row of `log_chunks` as written: its body as the stored text, or as the text's UTF-8 bytes. */
export interface LogChunkRow {
  service: string;
  first_at: number;
  last_at: number;
  lines: number;
  body: ChunkBody;
}

export type ChunkBody = string | Uint8Array;

/**
 * Characters of texts written to the buffer together, as one JSON array (a string well under V8's 128 KB): one
 * native call escapes and joins a few hundred lines, where a test per line to skip the escaping cost more.
 */
const PART_CHARS = 24_000;

/** The stored text of a chunk's body. */
export function chunkBodyText(body: ChunkBody): string {
  if (typeof body === 'string') return body;
  return Buffer.from(body.buffer, body.byteOffset, body.byteLength).toString('utf8');
}

/**
 * Writes a chunk's body as UTF-8 into `out` at `offset` (room for 3 bytes a UTF-16 unit of a string body is the
 * caller's) and returns the bytes written: the same bytes as the stored text's.
 */
export function writeChunkBody(body: ChunkBody, out: Buffer, offset: number): number {
  if (typeof body === 'string') return out.write(body, offset, 'utf8');
  out.set(body, offset);
  return body.length;
}

/** Bytes of a body's memory are a multiple of this, so that a body given back serves most later ones. */
const BODY_ROUND = 64 * 1024;
/** A new body's memory: room for a chunk of lines of about 150 bytes, the usual. */
const BODY_FIRST = 6 * BODY_ROUND;
/** Bodies' memory kept for reuse at most (a write in flight and two mined: about 30 chunks, a few services). */
const POOL_MAX = 64;
/** A body larger than this (a chunk of very long lines) is not kept for reuse. */
const POOL_KEEP = 4 * 1024 * 1024;
/** The opening of a body: its texts come first. */
const OPENING = '{"x":[';

/** Memory of bodies stored, for the next ones (every builder of the process shares it). */
const pool: Buffer[] = [];
/** The memory of bodies out (in a row not yet released), so that none is given back twice. */
const lent = new WeakSet<ArrayBufferLike>();

/**
 * Memory for a body: shared, so that the log writer's thread reads a body where it was made, with no copy (a
 * body is not touched again before its write is done: see release).
 */
function bodyMemory(bytes: number): Buffer {
  const reused = pool.pop();
  if (reused !== undefined && reused.length >= bytes) return reused;
  if (reused !== undefined) pool.push(reused);
  return Buffer.from(new SharedArrayBuffer(Math.max(BODY_FIRST, Math.ceil(bytes / BODY_ROUND) * BODY_ROUND)));
}

function giveBack(memory: Buffer): void {
  if (pool.length < POOL_MAX && memory.length <= POOL_KEEP) pool.push(memory);
}

/** The most UTF-8 bytes a body can take: exact for bytes, 3 a UTF-16 unit otherwise. */
export function chunkBodyMaxBytes(body: ChunkBody): number {
  return typeof body === 'string' ? 3 * body.length : body.length;
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
  private keys = new Map<string, Map<string | null, Map<string, number>>>();
  private dict: [string, string | null, string][] = [];
  // Filled by push, not preallocated: JSON.stringify is slower on a holey array.
  private times: number[] = [];
  private kinds: number[] = [];
  /** The body being filled (null: none yet), `{"x":["a","b"` so far, and its bytes used. */
  private texts: Buffer | null = null;
  private textBytes = 0;
  /** Texts not yet written (JSON-escaped where they need it), and their characters. */
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
   * `bytes`: each body is UTF-8 in shared memory outside V8's heap, for a writer that holds chunks a while
   * before storing them on the log writer's thread, which reads them in place (a string waiting for the write
   * would survive into the old generation, copied by each young collection on the way). Without it, the body
   * is the stored text.
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
    this.part.push(text);
    this.partChars += text.length;
    this.count++;
    if (this.partChars >= PART_CHARS) this.writePart();
  }

  /** Appends the texts waiting to the body: `,"a","b"` (no comma before the first). */
  private writePart(): void {
    const part = this.part;
    if (part.length === 0) return;
    let json = JSON.stringify(part);
    // NUL bytes are dropped (noNul), not stored escaped: the rare part with one is written again without them.
    if (json.includes('\\u0000')) json = JSON.stringify(part.map(noNul));
    const out = this.room(3 * json.length);
    // The array's `[` lands on the body's own `[` (the first part) or where the comma before it goes, and its
    // `]` is left off.
    const first = this.textBytes === OPENING.length;
    const at = first ? this.textBytes - 1 : this.textBytes;
    const end = at + out.write(json, at, 'utf8') - 1;
    if (!first) out[at] = 44;
    this.textBytes = end;
    this.part = [];
    this.partChars = 0;
  }

  /** The row of the lines added (null when none), and an empty builder for the next. */
  take(): LogChunkRow | null {
    const n = this.count;
    if (n === 0) return null;
    const first = this.first;
    const times = this.times;
    for (let i = 0; i < n; i++) times[i] = (times[i] as number) - first;
    this.writePart();
    const rest = `],"v":3,"k":${JSON.stringify(this.dict)},"t":${JSON.stringify(times)},"i":${JSON.stringify(this.kinds)}}`;
    const out = this.room(3 * rest.length);
    const end = this.textBytes + out.write(rest, this.textBytes, 'utf8');
    this.texts = null;
    this.textBytes = 0;
    let body: ChunkBody;
    if (this.bytes) {
      lent.add(out.buffer);
      body = out.subarray(0, end);
    } else {
      body = out.toString('utf8', 0, end);
      giveBack(out);
    }
    const row: LogChunkRow = { service: this.service, first_at: first, last_at: this.last, lines: n, body };
    this.keys = new Map();
    this.dict = [];
    this.times = [];
    this.kinds = [];
    this.count = 0;
    this.first = Number.POSITIVE_INFINITY;
    this.last = Number.NEGATIVE_INFINITY;
    this.lastKind = -1;
    return row;
  }

  /**
   * Gives the memory of rows' bodies back to the process's pool (each body once; a row no builder made in that
   * memory is passed over), once their store is done with them: a store has written what it was given before
   * its promise resolves, and nothing reads a row's body after that.
   */
  release(rows: Iterable<LogChunkRow>): void {
    for (const r of rows) {
      const b = r.body;
      if (!(b instanceof Uint8Array) || !lent.has(b.buffer)) continue;
      lent.delete(b.buffer);
      giveBack(Buffer.from(b.buffer));
    }
  }

  /** The body being filled, with room for `bytes` more (moved to larger memory when it has not). */
  private room(bytes: number): Buffer {
    const need = this.textBytes + bytes;
    let out = this.texts;
    if (out === null) {
      out = bodyMemory(need + OPENING.length);
      this.textBytes = out.write(OPENING, 0, 'latin1');
    } else if (need > out.length) {
      const grown = bodyMemory(2 * need);
      out.copy(grown, 0, 0, this.textBytes);
      giveBack(out);
      out = grown;
    }
    this.texts = out;
    return out;
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
