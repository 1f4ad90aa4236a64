import type Database from 'better-sqlite3';
import {
  CompiledQuery,
  type DatabaseConnection,
  type Driver,
  SqliteDialect,
  type SqliteDialectConfig,
  SqliteDriver,
} from 'kysely';

/**
 * Kysely's SQLite dialect, but a transaction begins IMMEDIATE (takes the write lock at once, waiting out
 * busy_timeout) rather than DEFERRED. A second connection writes to the same database (the log writer's
 * thread, log-writer.ts; the CLI beside a daemon): a deferred transaction that reads and then writes fails at
 * once with SQLITE_BUSY when the other connection committed in between, since its snapshot is stale and no
 * wait can help; an immediate one never starts on a stale snapshot.
 */
export class ImmediateSqliteDialect extends SqliteDialect {
  private readonly cfg: SqliteDialectConfig;

  constructor(config: SqliteDialectConfig) {
    super(config);
    this.cfg = config;
  }

  override createDriver(): Driver {
    return new ImmediateSqliteDriver(this.cfg);
  }
}

class ImmediateSqliteDriver extends SqliteDriver {
  override async beginTransaction(connection: DatabaseConnection): Promise<void> {
    try {
      await connection.executeQuery(CompiledQuery.raw('begin immediate'));
    } catch (err) {
      // A connection that may not write (a read-only file) cannot take the write lock, and has no write of
      // its own to protect: it reads in a deferred transaction.
      if (!String((err as { code?: unknown }).code ?? '').startsWith('SQLITE_READONLY')) throw err;
      await connection.executeQuery(CompiledQuery.raw('begin'));
    }
  }
}

/** The connection settings every connection to a Medic database uses (the journal mode is the file's own). */
export function connectionPragmas(db: Database.Database, busyTimeoutMs = 5000): void {
  db.pragma('synchronous = FULL');
  db.pragma('foreign_keys = ON');
  db.pragma(`busy_timeout = ${Math.max(0, Math.floor(busyTimeoutMs))}`);
}
