/**
 * Building pg pools: the store's own, and the small dedicated one the replica lease writes through (so a
 * busy or stalled store pool never delays a heartbeat). One place for the timeouts and the connection hygiene.
 */
import type pg from 'pg';

export interface PgPoolOptions {
  url: string;
  max: number;
  applicationName: string;
  /** Give up opening a connection, or waiting for a free one, after this long; 0: never. */
  connectTimeoutMs: number;
  /** Server-side limit on one statement; 0: none. */
  statementTimeoutMs: number;
  /** Client-side limit on waiting for an answer; 0: none. */
  queryTimeoutMs: number;
  keepAlive: boolean;
  keepAliveInitialDelayMs: number;
  onError?: (err: Error) => void;
}

const INT8_OID = 20;

let pgModule: Promise<typeof pg> | undefined;

/** pg loads on first use, not with the daemon: most run on SQLite, and every fork pays for what is loaded. */
export function loadPg(): Promise<typeof pg> {
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

export function createPgPool(driver: typeof pg, o: PgPoolOptions): pg.Pool {
  const pool = new driver.Pool({
    connectionString: o.url,
    max: o.max,
    application_name: o.applicationName,
    types: int8AsNumber(driver),
    // Left undefined, a limit is off.
    connectionTimeoutMillis: o.connectTimeoutMs > 0 ? o.connectTimeoutMs : undefined,
    statement_timeout: o.statementTimeoutMs > 0 ? o.statementTimeoutMs : undefined,
    query_timeout: o.queryTimeoutMs > 0 ? o.queryTimeoutMs : undefined,
    keepAlive: o.keepAlive,
    ...(o.keepAlive ? { keepAliveInitialDelayMillis: o.keepAliveInitialDelayMs } : {}),
  });
  pool.on('error', o.onError ?? (() => {}));
  // A query that timed out on the client is still the connection's active query: the next user of that
  // connection would queue behind it (and time out in turn). Close such a connection instead of pooling it.
  pool.on('release', (_err: Error | undefined, client: pg.PoolClient) => {
    const c = client as pg.PoolClient & { _getActiveQuery?: () => unknown };
    if (c._getActiveQuery?.()) void c.end().catch(() => {});
  });
  return pool;
}
