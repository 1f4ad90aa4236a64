/**
 * PostgreSQL through pg's Pool: the store several replicas share (DESIGN.md "Scale-out"). Same schema, same
 * migrations, same queries as SQLite; what differs is the pool, number parsing and the audit lock.
 */
import { Kysely, PostgresDialect, sql } from 'kysely';
import pg from 'pg';
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
}

/** The key of the advisory lock that serializes audit appends across every process sharing the database. */
export const AUDIT_LOCK_KEY = 0x6d_65_64_69; // "medi"

const INT8_OID = 20;

/**
 * bigint columns (epoch-ms times, ids, seq) and count(*) as JS numbers, for this pool only: epoch ms and our
 * sequences stay far below 2^53, and every caller then sees the same types as on SQLite.
 */
const types: pg.CustomTypesConfig = {
  getTypeParser: ((oid: number, format?: 'text' | 'binary') =>
    oid === INT8_OID && format !== 'binary'
      ? (v: string) => Number(v)
      : pg.types.getTypeParser(oid, format ?? 'text')) as pg.CustomTypesConfig['getTypeParser'],
};

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
  const pool = new pg.Pool({
    connectionString: opts.url,
    max: opts.poolSize ?? 10,
    application_name: opts.applicationName ?? 'medic',
    types,
  });
  pool.on('error', opts.onPoolError ?? (() => {}));
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
