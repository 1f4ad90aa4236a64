import { type ChunkBody, chunkBodyMaxBytes, writeChunkBody } from './log-chunk.js';
import { type WriterThread, writerThread } from './log-writer-thread.js';
import type { ChunkSlice } from './log-writer-worker.js';
import type { LogBatch } from './store.js';

/**
 * Stores a SQLite store's log batches on the process's log writer thread (log-writer-thread.ts), on a
 * connection of the store's own to the same WAL database, so that the daemon's thread mines the next lines
 * while SQLite writes these; writing no longer holds the event loop. A write resolves once its transaction
 * committed (synchronous = FULL, as on the main connection), so what a resolved write stored survives a
 * kill -9 as before.
 *
 * Writes run one after another in call order, whichever way each goes: small ones (fewer than `minLines`
 * lines: an idle service's flush every second) on the store's own connection, not worth the trip; an
 * in-memory database always there (another connection cannot see it). When the thread fails, or cannot open
 * the file, every later write goes the store's own way.
 */
export interface LogWriterOptions {
  /** The database file; null: no thread, every write on the store's connection. */
  path: string | null;
  /** The store's own way to write (its connection). */
  inline(batches: readonly LogBatch[]): Promise<void>;
  /** Writes of fewer lines stay on the store's connection; default 2,000 (one stored chunk). */
  minLines?: number;
  /** The thread to write on (default the process's). */
  thread?: () => WriterThread;
  /** Told when the thread fails and writes fall back to the store's connection. */
  onThreadError?(err: Error): void;
}

export interface LogWriterStats {
  /** Writes done on the thread, and the lines they held. */
  threadWrites: number;
  threadLines: number;
  /** Writes done on the store's connection. */
  inlineWrites: number;
  /** CPU the thread spent on this store's writes (null where the system does not tell a thread's CPU). */
  threadCpuMs: number | null;
  /** Whether the thread failed for this store (its writes go the store's way since). */
  threadFailed: boolean;
}

let connections = 0;

export class LogWriter {
  /** This store's connection in the thread. */
  private readonly conn = ++connections;
  /** The thread, once this store's connection in it is open (null: not yet, or failed). */
  private opened: Promise<WriterThread | null> | null = null;
  private failed = false;
  private closed = false;
  private tail: Promise<unknown> = Promise.resolve();
  /**
   * The chunks' bodies on their way to the thread, as UTF-8: a message would copy each string of a few
   * hundred KB twice (serialised, then read back as a new string), each copy into fresh memory. One write is
   * in flight at a time, so one buffer serves them all; it grows to the largest write.
   */
  private shared: SharedArrayBuffer | null = null;
  private readonly s: LogWriterStats = {
    threadWrites: 0,
    threadLines: 0,
    inlineWrites: 0,
    threadCpuMs: 0,
    threadFailed: false,
  };

  constructor(private readonly o: LogWriterOptions) {}

  /** Stores the batches (one transaction) after every earlier write. */
  write(batch: LogBatch | readonly LogBatch[]): Promise<void> {
    const list: readonly LogBatch[] = Array.isArray(batch) ? batch : [batch as LogBatch];
    const run = this.tail.then(() => this.apply(list));
    this.tail = run.catch(() => undefined);
    return run;
  }

  stats(): LogWriterStats {
    return { ...this.s, threadFailed: this.failed };
  }

  /**
   * Opens this store's connection in the thread now rather than at the first large write (false: there is
   * none to open, or it failed: writes go the store's way).
   */
  async start(): Promise<boolean> {
    return (await this.open()) !== null;
  }

  /** Waits for the writes in flight, then closes this store's connection in the thread. */
  async close(): Promise<void> {
    if (this.closed) return;
    this.closed = true;
    await this.tail;
    const t = await this.opened;
    if (t && !t.failed) await t.request({ kind: 'close', conn: this.conn }).catch(() => undefined);
  }

  private open(): Promise<WriterThread | null> {
    const path = this.o.path;
    if (path === null || this.failed || this.closed) return Promise.resolve(null);
    this.opened ??= (async () => {
      const t = (this.o.thread ?? writerThread)();
      t.onFailure((err) => this.fail(err));
      const r = await t
        .request({ kind: 'open', conn: this.conn, path })
        .catch((err: Error) => ({ error: err.message }));
      if (r.error !== undefined) {
        this.fail(new Error(`log writer thread: ${r.error}`));
        return null;
      }
      return t;
    })();
    return this.opened;
  }

  private fail(err: Error): void {
    if (!this.failed) this.o.onThreadError?.(err);
    this.failed = true;
  }

  private async apply(list: readonly LogBatch[]): Promise<void> {
    const lines = linesOf(list);
    const t = lines < (this.o.minLines ?? 2000) ? null : await this.open();
    if (!t || this.failed) {
      this.s.inlineWrites++;
      return this.o.inline(list);
    }
    this.s.threadWrites++;
    this.s.threadLines += lines;
    const r = await t.request(this.pack(list));
    if (r.cpuMs === null) this.s.threadCpuMs = null;
    else if (this.s.threadCpuMs !== null) this.s.threadCpuMs += r.cpuMs;
    if (r.error !== undefined) throw new Error(r.error);
  }

  /**
   * The request for `list`: its encoded chunks' bodies as they are when in shared memory (the thread reads
   * them there), the others copied into the request's shared buffer.
   */
  private pack(list: readonly LogBatch[]) {
    // Room for the UTF-8 of every body at its longest (3 bytes a UTF-16 unit of a text, exact for bytes):
    // counting a text's bytes exactly would read it once more. Only what is written is ever touched.
    let bytes = 0;
    for (const b of list)
      for (const c of b.chunks ?? []) if (!isShared(c.body)) bytes += chunkBodyMaxBytes(c.body);
    if (bytes > (this.shared?.byteLength ?? 0))
      this.shared = new SharedArrayBuffer(Math.max(bytes, 2 * (this.shared?.byteLength ?? 0), 1 << 20));
    const out = this.shared ? Buffer.from(this.shared) : null;
    const slices: ChunkSlice[] = [];
    const batches: LogBatch[] = [];
    let offset = 0;
    for (const b of list) {
      if (!b.chunks || b.chunks.length === 0) {
        batches.push(b);
        continue;
      }
      for (const c of b.chunks) {
        if (isShared(c.body)) {
          const { service, first_at, last_at, lines } = c;
          slices.push({ service, first_at, last_at, lines, body: c.body, offset: 0, length: 0 });
          continue;
        }
        // A body not in shared memory counted in `bytes`: the buffer is there.
        const length = writeChunkBody(c.body, out as Buffer, offset);
        slices.push({
          service: c.service,
          first_at: c.first_at,
          last_at: c.last_at,
          lines: c.lines,
          offset,
          length,
        });
        offset += length;
      }
      batches.push({ ...b, chunks: [] });
    }
    return {
      kind: 'write' as const,
      conn: this.conn,
      path: this.o.path as string,
      batches,
      slices,
      shared: this.shared,
    };
  }
}

/** A body in shared memory: the log writer's thread reads it in place. */
function isShared(body: ChunkBody): body is Uint8Array {
  return body instanceof Uint8Array && body.buffer instanceof SharedArrayBuffer;
}

/** Lines a write stores: its encoded chunks' and its line objects'. */
function linesOf(list: readonly LogBatch[]): number {
  let n = 0;
  for (const b of list) {
    for (const c of b.chunks ?? []) n += c.lines;
    n += b.lines?.length ?? 0;
  }
  return n;
}
