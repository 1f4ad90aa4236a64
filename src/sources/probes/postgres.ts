import type pg from 'pg';
import type { CheckConfig } from '../../config/index.js';
import { errorMessage, formatDuration, type ProbeResult } from '../../core/index.js';
import { startTimer, timedOut } from './common.js';
import type { Probe, ProbeContext } from './probe.js';

let pgModule: Promise<typeof pg> | undefined;

/** pg loads on the first postgres check, not with the daemon (test/lazy-deps.test.ts): most configs have none. */
export function loadPg(): Promise<typeof pg> {
  pgModule ??= import('pg').then((m) => m.default);
  return pgModule;
}

/**
 * One row of what the server says about itself. Our own session is left out: it measures what the
 * applications hold. Other roles' sessions show no state or query_start without pg_monitor (or superuser),
 * so the probe's role needs it for the ages to be right.
 */
const STATS_SQL = `
SELECT current_setting('max_connections')::int AS max_connections,
  count(*) FILTER (WHERE backend_type = 'client backend')::int AS connections,
  coalesce(extract(epoch FROM max(clock_timestamp() - query_start)
    FILTER (WHERE state = 'active' AND backend_type = 'client backend')), 0)::float8 AS longest_query_s,
  coalesce(extract(epoch FROM max(clock_timestamp() - state_change)
    FILTER (WHERE state LIKE 'idle in transaction%')), 0)::float8 AS oldest_idle_s
FROM pg_stat_activity WHERE pid <> pg_backend_pid()`;

interface Stats {
  max_connections: number;
  connections: number;
  longest_query_s: number;
  oldest_idle_s: number;
}

const round1 = (n: number) => Math.round(n * 10) / 10;
/** Ages to the millisecond: the figure judged is the figure shown, so "over 0.5" never reads 0.5. */
const round3 = (n: number) => Math.round(n * 1000) / 1000;

/** Where the check points, without the password: details are stored and shown. */
function target(url: string): Record<string, unknown> {
  try {
    const u = new URL(url);
    return { host: u.hostname, port: Number(u.port || 5432), database: u.pathname.slice(1) || undefined };
  } catch {
    return {};
  }
}

/** Rejects when the signal fires, so a hung server (a stopped process still accepts) cannot hold the probe. */
export function abortable<T>(p: Promise<T>, signal: AbortSignal): Promise<T> {
  return new Promise((resolve, reject) => {
    const onAbort = () => reject(signal.reason ?? new Error('aborted'));
    if (signal.aborted) return onAbort();
    signal.addEventListener('abort', onAbort, { once: true });
    p.then(resolve, reject).finally(() => signal.removeEventListener('abort', onAbort));
  });
}

/**
 * Connects, runs the check's query (default `SELECT 1`) and reads pg_stat_activity: connections used of
 * max_connections, the longest running query, the oldest idle-in-transaction session. A limit passed is
 * `degraded` (the server answers but is in trouble: a playbook may terminate sessions); no connection or a
 * failed query is `down`. "too many clients" is a refused connection, so a saturated server is down.
 */
export const postgresProbe: Probe = {
  kind: 'postgres',
  async run(check: CheckConfig, ctx: ProbeContext): Promise<ProbeResult> {
    const p = check.postgres;
    if (!p) return { ok: false, latencyMs: 0, message: 'not a postgres check' };
    const details: Record<string, unknown> = target(p.url);
    if (ctx.signal.aborted) return timedOut(check, 0, details);
    const elapsed = startTimer();
    const { Client } = await loadPg();
    const client = new Client({
      connectionString: p.url,
      connectionTimeoutMillis: check.timeout,
      // The server gives up too, so a probe cut short leaves no query behind it.
      statement_timeout: check.timeout,
      application_name: 'medic-probe',
    });
    client.on('error', () => {}); // a connection lost after the answer is not this probe's concern
    let stage = 'cannot connect';
    try {
      await abortable(client.connect(), ctx.signal);
      details.connectMs = elapsed();
      stage = 'query failed';
      const q0 = performance.now();
      const res = await abortable(client.query(p.query), ctx.signal);
      details.queryMs = Math.round(performance.now() - q0);
      details.rows = res.rowCount;
      stage = 'reading pg_stat_activity failed';
      const stats = (await abortable(client.query<Stats>(STATS_SQL), ctx.signal)).rows[0]!;
      return judge(p, stats, details, elapsed());
    } catch (err) {
      if (ctx.signal.aborted) return timedOut(check, elapsed(), details);
      const code = (err as { code?: unknown }).code;
      if (typeof code === 'string') details.code = code;
      return { ok: false, latencyMs: elapsed(), message: `${stage}: ${errorMessage(err)}`, details };
    } finally {
      // Not awaited: a hung server never acknowledges the goodbye, and the probe must return on time.
      void client.end().catch(() => {});
    }
  },
};

/** The figures into details (for rules and thresholds), each limit passed into the message by its key. */
function judge(
  p: NonNullable<CheckConfig['postgres']>,
  s: Stats,
  details: Record<string, unknown>,
  latencyMs: number,
): ProbeResult {
  const usedPercent = s.max_connections > 0 ? round1((s.connections / s.max_connections) * 100) : 0;
  const longest = round3(s.longest_query_s);
  const idle = round3(s.oldest_idle_s);
  Object.assign(details, {
    connections: s.connections,
    maxConnections: s.max_connections,
    connectionsUsedPercent: usedPercent,
    longestQuerySeconds: longest,
    oldestIdleInTransactionSeconds: idle,
  });
  const over: string[] = [];
  const limit = (key: string, what: string, value: number, max: number | undefined) => {
    if (max !== undefined && value > max) over.push(`${what} over ${key} ${max}`);
  };
  limit(
    'max_connections_used_percent',
    `connections ${usedPercent}% used (${s.connections}/${s.max_connections})`,
    usedPercent,
    p.max_connections_used_percent,
  );
  const age = (seconds: number) => formatDuration(seconds * 1000);
  limit('max_query_seconds', `a query running ${age(longest)}`, longest, p.max_query_seconds);
  limit(
    'max_idle_in_transaction_seconds',
    `a session idle in transaction ${age(idle)}`,
    idle,
    p.max_idle_in_transaction_seconds,
  );
  if (over.length > 0) return { ok: false, degraded: true, latencyMs, message: over.join('; '), details };
  const message =
    `${p.query} in ${details.queryMs}ms; connections ${s.connections}/${s.max_connections}; ` +
    `longest query ${age(longest)}; idle in transaction ${age(idle)}`;
  return { ok: true, latencyMs, message, details };
}
