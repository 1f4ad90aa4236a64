import { abortable, loadPg } from './postgres.js';
import type { QueueReading } from './queue-redis.js';

type QueueCheck = {
  url: string;
  table?: string | undefined;
  where?: string | undefined;
  query?: string | undefined;
};

/** The count the check asks for: rows of `table` meeting `where`, or the first value `query` returns. */
function sql(q: QueueCheck, quote: (name: string) => string): string {
  if (q.query) return q.query;
  const table = (q.table as string).split('.').map(quote).join('.');
  return `SELECT count(*) FROM ${table}${q.where ? ` WHERE ${q.where}` : ''}`;
}

/**
 * Counts a table-backed queue. The session is read-only, so a query in the config can read but never
 * change the jobs; the server's statement_timeout ends a count the probe stopped waiting for.
 */
export async function postgresQueueDepth(
  q: QueueCheck,
  timeoutMs: number,
  signal: AbortSignal,
): Promise<QueueReading> {
  const pg = await loadPg();
  const client = new pg.Client({
    connectionString: q.url,
    connectionTimeoutMillis: timeoutMs,
    statement_timeout: timeoutMs,
    application_name: 'medic-probe',
    options: '-c default_transaction_read_only=on',
  });
  client.on('error', () => {});
  try {
    await abortable(client.connect(), signal);
    const res = await abortable(
      client.query({ text: sql(q, pg.escapeIdentifier), rowMode: 'array' }),
      signal,
    );
    const value = (res.rows[0] as unknown[] | undefined)?.[0];
    const depth = typeof value === 'string' || typeof value === 'number' ? Number(value) : Number.NaN;
    if (!Number.isFinite(depth)) {
      throw new Error(`the query gave ${JSON.stringify(value ?? null)}, not a count`);
    }
    return { depth, details: q.table ? { table: q.table } : {} };
  } finally {
    void client.end().catch(() => {});
  }
}
