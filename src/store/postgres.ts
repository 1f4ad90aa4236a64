/**
 * PostgreSQL through pg's Pool: the store several replicas share (DESIGN.md "Scale-out"). Same schema, same
 * migrations, same queries as SQLite; what differs is the pool, number parsing and the audit lock.
 */
import { Kysely, PostgresDialect, sql } from 'kysely';
import type pg from 'pg';
import { type Clock, RealClock } from '../core/index.js';
import { KyselyStore, type LeaseDbOptions } from './kysely-store.js';
import { createPgPool, loadPg } from './pg-pool.js';
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

export class PostgresStore extends KyselyStore implements Store {
  private lease: Kysely<StoreSchema> | null = null;

  constructor(
    readonly url: string,
    readonly clock: Clock,
    readonly pool: pg.Pool,
    private readonly driver: typeof pg,
    private readonly applicationName = 'medic',
  ) {
    super(new Kysely<StoreSchema>({ dialect: new PostgresDialect({ pool }) }));
  }

  /**
   * One connection of its own, outside the pool, with timeouts of the lease's own: the replica heartbeat
   * neither waits behind the probe writer's batches nor for a pool that is slow to hand out connections.
   */
  override leaseDb(opts: LeaseDbOptions): Kysely<StoreSchema> {
    this.lease ??= new Kysely<StoreSchema>({
      dialect: new PostgresDialect({
        pool: createPgPool(this.driver, {
          url: this.url,
          max: 1,
          applicationName: `${this.applicationName}-lease`,
          connectTimeoutMs: opts.connectTimeoutMs,
          statementTimeoutMs: opts.queryTimeoutMs,
          // The server reports its own timeout first when it can; the client's covers a silent network.
          queryTimeoutMs: opts.queryTimeoutMs + 250,
          keepAlive: true,
          keepAliveInitialDelayMs: POSTGRES_DEFAULTS.keepAliveInitialDelayMs,
        }),
      }),
    });
    return this.lease;
  }

  override async close(): Promise<void> {
    await super.close();
    const lease = this.lease;
    this.lease = null;
    await lease?.destroy();
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
  const applicationName = opts.applicationName ?? 'medic';
  const pool = createPgPool(driver, {
    url: opts.url,
    max: opts.poolSize ?? 10,
    applicationName,
    connectTimeoutMs: opts.connectTimeoutMs ?? POSTGRES_DEFAULTS.connectTimeoutMs,
    statementTimeoutMs: statementTimeout,
    queryTimeoutMs: queryTimeout,
    keepAlive,
    keepAliveInitialDelayMs: POSTGRES_DEFAULTS.keepAliveInitialDelayMs,
    ...(opts.onPoolError ? { onError: opts.onPoolError } : {}),
  });
  const store = new PostgresStore(opts.url, opts.clock ?? new RealClock(), pool, driver, applicationName);
  try {
    if (opts.migrate ?? true) await store.migrate();
    else await sql`select 1`.execute(store.db);
  } catch (err) {
    await store.close();
    throw err;
  }
  return store;
}
