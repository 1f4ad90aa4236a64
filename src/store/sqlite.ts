/**
 * The embedded default: SQLite through better-sqlite3, in WAL mode with synchronous = FULL, so a write is on
 * disk when its promise resolves.
 */
import { existsSync } from 'node:fs';
import { join } from 'node:path';
import Database from 'better-sqlite3';
import { Kysely } from 'kysely';
import { type Clock, ensurePrivateDir, ensurePrivateFile, RealClock } from '../core/index.js';
import { KyselyStore } from './kysely-store.js';
import { LogWriter } from './log-writer.js';
import type { StoreSchema } from './schema.js';
import { connectionPragmas, ImmediateSqliteDialect } from './sqlite-dialect.js';
import type { LogBatch, Store } from './store.js';

export interface SqliteStoreOptions {
  /** Directory of the database file, created if missing; ':memory:' for a throwaway in-memory database. */
  dir: string;
  /** File name inside `dir`; default `medic.db`. */
  file?: string;
  /** Kept for time-based housekeeping; default the real clock. */
  clock?: Clock;
  /** Bring the schema up to date on open; default true. */
  migrate?: boolean;
  /** Told once when the log writer thread fails and log writes fall back to the store's connection. */
  onLogWriterError?: (err: Error) => void;
}

export const DEFAULT_SQLITE_FILE = 'medic.db';

export class SqliteStore extends KyselyStore implements Store {
  /** Log batches are written on a thread of their own, with its own connection (log-writer.ts). */
  readonly logWriter: LogWriter;

  constructor(
    /** The database file's path, or ':memory:'. */
    readonly path: string,
    readonly clock: Clock,
    sqlite: Database.Database,
    onLogWriterError?: (err: Error) => void,
  ) {
    super(new Kysely<StoreSchema>({ dialect: new ImmediateSqliteDialect({ database: sqlite }) }));
    this.logWriter = new LogWriter({
      path: path === ':memory:' ? null : path,
      inline: (batches) => super.recordLogBatch(batches),
      ...(onLogWriterError ? { onThreadError: onLogWriterError } : {}),
    });
  }

  override recordLogBatch(batch: LogBatch | readonly LogBatch[]): Promise<void> {
    return this.logWriter.write(batch);
  }

  override async close(): Promise<void> {
    await this.logWriter.close();
    await super.close();
  }
}

/** Opens (creating if needed) the database and brings its schema up to date. */
export async function openSqliteStore(opts: SqliteStoreOptions): Promise<SqliteStore> {
  let path = ':memory:';
  if (opts.dir !== ':memory:') {
    ensurePrivateDir(opts.dir);
    path = join(opts.dir, opts.file ?? DEFAULT_SQLITE_FILE);
    // SQLite gives its -wal and -shm files the database file's mode: 0600 for all three.
    ensurePrivateFile(path);
    for (const f of [`${path}-wal`, `${path}-shm`]) if (existsSync(f)) ensurePrivateFile(f);
  }
  const sqlite = new Database(path);
  try {
    // 16 KiB pages (a new database only; an existing one keeps its size): a stored chunk of log lines is a
    // row of a few hundred KB, and a longer page is a quarter of the pages to chain, log and checkpoint
    // (about half the CPU of writing lines, measured).
    sqlite.pragma('page_size = 16384');
    sqlite.pragma('journal_mode = WAL');
    connectionPragmas(sqlite);
  } catch (err) {
    sqlite.close();
    throw err;
  }
  const store = new SqliteStore(path, opts.clock ?? new RealClock(), sqlite, opts.onLogWriterError);
  try {
    if (opts.migrate ?? true) await store.migrate();
  } catch (err) {
    await store.close();
    throw err;
  }
  return store;
}
