import pg from 'pg';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { type SmallPostgres, startSmallPostgres } from './postgres.fixture.js';
import { postgresProbe } from './postgres.js';
import { check, context } from './testing.fixture.js';

// One server for the file (starting one takes seconds); the tests run in order and the last one stops it.
const MAX_CONNECTIONS = 10;
let server: SmallPostgres;
const opened: pg.Client[] = [];

beforeAll(async () => {
  server = await startSmallPostgres(MAX_CONNECTIONS);
}, 120_000);

afterAll(async () => {
  await server?.stop();
}, 60_000);

afterEach(async () => {
  await Promise.all(opened.splice(0).map((c) => c.end().catch(() => undefined)));
});

async function session(): Promise<pg.Client> {
  const c = new pg.Client({ connectionString: server.url });
  c.on('error', () => {});
  await c.connect();
  opened.push(c);
  return c;
}

const probe = (postgres: Record<string, unknown>) =>
  postgresProbe.run(check({ postgres: { url: server.url, ...postgres } }), context());

/** Probes until the result satisfies `done` or `ms` pass: server-side ages grow in real time. */
async function probeUntil(
  postgres: Record<string, unknown>,
  done: (r: { degraded?: boolean; details?: Record<string, unknown> }) => boolean,
  ms = 3000,
) {
  const deadline = Date.now() + ms;
  for (;;) {
    const r = await probe(postgres);
    if (done(r) || Date.now() > deadline) return r;
    await new Promise((res) => setTimeout(res, 100));
  }
}

describe('postgres probe', () => {
  it('is ok with the measurements when the server answers', async () => {
    const r = await probe({ max_connections_used_percent: 90, max_query_seconds: 30 });
    expect(r.ok).toBe(true);
    expect(r.message).toMatch(/^SELECT 1 in \d+ms; connections \d+\/10;/);
    expect(r.details).toMatchObject({
      host: '127.0.0.1',
      database: 'postgres',
      maxConnections: MAX_CONNECTIONS,
      rows: 1,
      longestQuerySeconds: 0,
    });
    expect(r.details?.url).toBeUndefined();
    expect(typeof r.details?.connectionsUsedPercent).toBe('number');
  });

  it('is down when the query fails', async () => {
    const r = await probe({ query: 'SELECT * FROM no_such_table' });
    expect(r).toMatchObject({ ok: false, details: { code: '42P01' } });
    expect(r.degraded).toBeUndefined();
    expect(r.message).toMatch(/^query failed: relation "no_such_table" does not exist/);
  });

  it('is degraded naming max_query_seconds while a long query runs', async () => {
    const sleeper = await session();
    // Caught here so a failed expectation (and afterEach closing the session) leaves no unhandled rejection.
    const sleeping = sleeper.query('SELECT pg_sleep(2)').catch((e: unknown) => e);
    const r = await probeUntil({ max_query_seconds: 0.5 }, (x) => x.degraded === true);
    expect(r).toMatchObject({ ok: false, degraded: true });
    expect(r.message).toMatch(/^a query running (\d+ms|[\d.]+s) over max_query_seconds 0\.5$/);
    expect(r.details?.longestQuerySeconds as number).toBeGreaterThan(0.5);
    await sleeping;
  });

  it('is degraded naming max_idle_in_transaction_seconds for a forgotten transaction', async () => {
    const idle = await session();
    await idle.query('BEGIN');
    await idle.query('SELECT 1');
    const r = await probeUntil({ max_idle_in_transaction_seconds: 0.3 }, (x) => x.degraded === true);
    expect(r).toMatchObject({ ok: false, degraded: true });
    expect(r.message).toMatch(
      /idle in transaction (\d+ms|[\d.]+s) over max_idle_in_transaction_seconds 0\.3/,
    );
  });

  it('is degraded over max_connections_used_percent, down once no connection is left', async () => {
    for (let i = 0; i < 6; i++) await session();
    // The sessions earlier tests closed may take a moment to leave pg_stat_activity.
    const r = await probeUntil({ max_connections_used_percent: 50 }, (x) => x.details?.connections === 6);
    expect(r).toMatchObject({
      ok: false,
      degraded: true,
      details: { connections: 6, connectionsUsedPercent: 60 },
    });
    expect(r.message).toMatch(/^connections 60% used \(6\/10\) over max_connections_used_percent 50$/);

    // Fill every slot (the superuser's reserved ones too): the server refuses the probe's connection.
    while (opened.length < MAX_CONNECTIONS) await session();
    const full = await probe({ max_connections_used_percent: 50 });
    expect(full).toMatchObject({ ok: false, details: { code: '53300' } });
    expect(full.degraded).toBeUndefined();
    expect(full.message).toMatch(/^cannot connect: sorry, too many clients already/);
  });

  it('is down, promptly, once the server is stopped', async () => {
    await server.stop();
    const started = Date.now();
    const r = await probe({});
    expect(r.ok).toBe(false);
    expect(r.degraded).toBeUndefined();
    expect(r.message).toMatch(/^cannot connect: .*ECONNREFUSED/);
    expect(Date.now() - started).toBeLessThan(2000);
  });
});
