/**
 * The log writer thread (see log-writer.ts): for each SQLite store of the process, a connection of its own
 * to the store's file, on which it stores the log batches it is sent, one request at a time, each write in
 * one transaction as the store would.
 */
import { parentPort } from 'node:worker_threads';
import Database from 'better-sqlite3';
import { Kysely, sql } from 'kysely';
import { recordLogBatch } from './queries/logs.js';
import type { StoreSchema } from './schema.js';
import { connectionPragmas, ImmediateSqliteDialect } from './sqlite-dialect.js';
import type { LogBatch } from './store.js';
import { threadCpuMs } from './thread-cpu.js';

/**
 * A stored chunk whose body is UTF-8: `body` when it is in shared memory already (a LogChunkBuilder's), else
 * `length` bytes at `offset` of the request's shared buffer.
 */
export interface ChunkSlice {
  service: string;
  first_at: number;
  last_at: number;
  lines: number;
  body?: Uint8Array;
  offset: number;
  length: number;
}

export type Request =
  | {
      kind: 'write';
      id: number;
      /** The connection's key (one per store) and the database file it opens on first use. */
      conn: number;
      path: string;
      /** The batches, their encoded chunks left out: those are `slices` of `shared`, in order. */
      batches: LogBatch[];
      slices: ChunkSlice[];
      shared: SharedArrayBuffer | null;
    }
  /** Opens the connection (a write opens it too): fails when the file cannot be opened. */
  | { kind: 'open'; id: number; conn: number; path: string }
  | { kind: 'close'; id: number; conn: number };

export interface Reply {
  /** Sent once, when the thread is ready (id 0). */
  ready?: true;
  id: number;
  /** The error's message when the request failed (a write's transaction rolled back). */
  error?: string;
  /** CPU this thread spent on the request (null where the system does not say). */
  cpuMs: number | null;
}

const port = parentPort;
if (!port) throw new Error('log-writer-worker runs as a worker thread');
const conns = new Map<number, Kysely<StoreSchema>>();

function connection(conn: number, path: string): Kysely<StoreSchema> {
  let db = conns.get(conn);
  if (!db) {
    const sqlite = new Database(path, { fileMustExist: true });
    // Waiting for the main connection's write lock blocks nothing here: wait long rather than lose a batch.
    connectionPragmas(sqlite, 60_000);
    db = new Kysely<StoreSchema>({ dialect: new ImmediateSqliteDialect({ database: sqlite }) });
    conns.set(conn, db);
  }
  return db;
}

async function handle(m: Request): Promise<void> {
  if (m.kind === 'open') {
    await sql`select 1`.execute(connection(m.conn, m.path));
    return;
  }
  if (m.kind === 'close') {
    const db = conns.get(m.conn);
    conns.delete(m.conn);
    await db?.destroy();
    return;
  }
  await recordLogBatch(connection(m.conn, m.path), m.batches, async (trx) => {
    for (const c of m.slices) {
      // The body's bytes become TEXT in SQLite (the database's encoding is UTF-8): no string of a few
      // hundred KB is made, here or in a message, per chunk.
      const body = c.body
        ? Buffer.from(c.body.buffer, c.body.byteOffset, c.body.byteLength)
        : Buffer.from(m.shared as SharedArrayBuffer, c.offset, c.length);
      await sql`insert into log_chunks (service, first_at, last_at, lines, body) values (${c.service}, ${c.first_at}, ${c.last_at}, ${c.lines}, cast(${body} as text))`.execute(
        trx,
      );
    }
  });
}

let queue: Promise<void> = Promise.resolve();
port.on('message', (m: Request) => {
  queue = queue.then(async () => {
    const before = threadCpuMs();
    let error: string | undefined;
    try {
      await handle(m);
    } catch (err) {
      error = err instanceof Error ? err.message : String(err);
    }
    const after = threadCpuMs();
    const reply: Reply = { id: m.id, cpuMs: before === null || after === null ? null : after - before };
    if (error !== undefined) reply.error = error;
    port.postMessage(reply);
  });
});
port.postMessage({ ready: true, id: 0, cpuMs: null } satisfies Reply);
