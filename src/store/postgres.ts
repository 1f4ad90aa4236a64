/**
 * PostgreSQL through pg's Pool: the store several replicas share (DESIGN.md "Scale-out"). Same schema, same
 * migrations, same queries as SQLite; what differs is the pool, number parsing and the audit lock.
 */
import { Kysely, PostgresDialect, sql } from 'kysely';
import type pg from 'pg';
import { type Clock, RealClock } from '../core/index.js';
import { KyselyStore } from './kysely-store.js';
import type { StoreSchema } from './schema.js';
import type { Store } from './store.js';

export interface PostgresStoreOptions {
  /** `postgres://user:password@host:port/database` (or `postgresql://`). */
  url: string;
  /** Connections in the pool; default 10. */
  poolSize?: number;
  /** Shown in pg_stat_activity, so an operator can tell replicas apart; default `medic`. */
  applicationName?: string;
  /** Default the real clock. */
  clock?: Clock;
  /** Bring the schema up to date on open; default true. */
  migrate?: boolean;
  /** Errors of idle pooled connections (say, the server restarted). Default: ignored, the pool reconnects. */
  onPoolError?: (err: Error) => void;
  /** Give up opening a connection (TCP and startup) after this long; default 5 s. */
  connectTimeoutMs?: number;
  /** Server-side limit on one statement (`statement_timeout`); default 30 s; 0 turns it off. */
  statementTimeoutMs?: number;
  /**
   * Client-side limit on waiting for the answer to a query: what bounds a write when the network, not the
   * server, is the problem (a partition answers nothing, so statement_timeout never fires). Default
   * statementTimeoutMs + 5 s (35 s); 0 turns it off. A connection whose query timed out is closed, not reused.
   */
  queryTimeoutMs?: number;
  /** TCP keepalive on pooled connections, so a dead peer is noticed; default true. */
  keepAlive?: boolean;
}

export const POSTGRES_DEFAULTS = {
  connectTimeoutMs: 5_000,
  statementTimeoutMs: 30_000,
  /** Added to statementTimeoutMs for the client-side query timeout: the server reports its own first. */
  queryTimeoutSlackMs: 5_000,
  keepAliveInitialDelayMs: 10_000,
} as const;

/** The key of the advisory lock that serializes audit appends across every process sharing the database. */
export const AUDIT_LOCK_KEY = 0x6d_65_64_69; // "medi"

const INT8_OID = 20;

let pgModule: Promise<typeof pg> | undefined;

/** pg loads on first use, not with the daemon: most run on SQLite, and every fork pays for what is loaded. */
function loadPg(): Promise<typeof pg> {
  pgModule ??= import('pg').then((m) => m.default);
  return pgModule;
}

/**
 * bigint columns (epoch-ms times, ids, seq) and count(*) as JS numbers, for this pool only: epoch ms and our
 * sequences stay far below 2^53, and every caller then sees the same types as on SQLite.
 */
function int8AsNumber(driver: typeof pg): pg.CustomTypesConfig {
  return {
    getTypeParser: ((oid: number, format?: 'text' | 'binary') =>
      oid === INT8_OID && format !== 'binary'
        ? (v: string) => Number(v)
        : driver.types.getTypeParser(oid, format ?? 'text')) as pg.CustomTypesConfig['getTypeParser'],
  };
}

export class PostgresStore extends KyselyStore implements Store {
  constructor(
    readonly url: string,
    readonly clock: Clock,
    readonly pool: pg.Pool,
  ) {
    super(new Kysely<StoreSchema>({ dialect: new PostgresDialect({ pool }) }));
  }

  /**
   * Replicas append to one chain: the transaction-scoped advisory lock makes the next writer wait until this
   * append commits, so it reads the entry just written and never forks the chain (nor trips the seq key).
   */
  protected override async lockAuditChain(trx: Kysely<StoreSchema>): Promise<void> {
    await sql`select pg_advisory_xact_lock(${AUDIT_LOCK_KEY})`.execute(trx);
  }
}

/** Connects, and (unless told not to) brings the schema up to date. */
export async function openPostgresStore(opts: PostgresStoreOptions): Promise<PostgresStore> {
  const statementTimeout = opts.statementTimeoutMs ?? POSTGRES_DEFAULTS.statementTimeoutMs;
  const queryTimeout =
    opts.queryTimeoutMs ??
    (statementTimeout > 0 ? statementTimeout + POSTGRES_DEFAULTS.queryTimeoutSlackMs : 0);
  const keepAlive = opts.keepAlive ?? true;
  const driver = await loadPg();
  const pool = new driver.Pool({
    connectionString: opts.url,
    max: opts.poolSize ?? 10,
    application_name: opts.applicationName ?? 'medic',
    types: int8AsNumber(driver),
    // Left undefined, a limit is off.
    connectionTimeoutMillis: opts.connectTimeoutMs ?? POSTGRES_DEFAULTS.connectTimeoutMs,
    statement_timeout: statementTimeout > 0 ? statementTimeout : undefined,
    query_timeout: queryTimeout > 0 ? queryTimeout : undefined,
    keepAlive,
    ...(keepAlive ? { keepAliveInitialDelayMillis: POSTGRES_DEFAULTS.keepAliveInitialDelayMs } : {}),
  });
  pool.on('error', opts.onPoolError ?? (() => {}));
  // A query that timed out on the client is still the connection's active query: the next user of that
  // connection would queue behind it (and time out in turn). Close such a connection instead of pooling it.
  pool.on('release', (_err: Error | undefined, client: pg.PoolClient) => {
    const c = client as pg.PoolClient & { _getActiveQuery?: () => unknown };
    if (c._getActiveQuery?.()) void c.end().catch(() => {});
  });
  const store = new PostgresStore(opts.url, opts.clock ?? new RealClock(), pool);
  try {
    if (opts.migrate ?? true) await store.migrate();
    else await sql`select 1`.execute(store.db);
  } catch (err) {
    await store.close();
    throw err;
  }
  return store;
}
