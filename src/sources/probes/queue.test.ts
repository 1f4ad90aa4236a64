import { type ChildProcess, spawn } from 'node:child_process';
import { existsSync } from 'node:fs';
import { type AddressInfo, createServer } from 'node:net';
import pg from 'pg';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { checkSchema } from '../../config/index.js';
import { type SmallPostgres, startSmallPostgres } from './postgres.fixture.js';
import { queueProbe } from './queue.js';
import { RedisConnection } from './redis-client.js';
import { check, context } from './testing.fixture.js';

const REDIS = '/usr/bin/redis-server';
const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

function freePort(): Promise<number> {
  return new Promise((resolve) => {
    const srv = createServer().listen(0, '127.0.0.1', () => {
      const { port } = srv.address() as AddressInfo;
      srv.close(() => resolve(port));
    });
  });
}

const queueCheck = (queue: Record<string, unknown>) =>
  check({ queue: { depth: { degraded: 3, down: 6 }, ...queue }, interval: '2s', timeout: '1s' });
const probe = (queue: Record<string, unknown>) => queueProbe.run(queueCheck(queue), context(1000));

describe('queue probe against Debian redis-server', () => {
  let server: ChildProcess;
  let port: number;
  let admin: RedisConnection;
  const url = (db = 0) => `redis://:s3cret@127.0.0.1:${port}/${db}`;
  const cmd = (...args: string[]) => admin.command(...args);
  const push = (key: string, n: number) => cmd('RPUSH', key, ...Array.from({ length: n }, (_, i) => `j${i}`));

  beforeAll(async () => {
    if (!existsSync(REDIS)) throw new Error(`${REDIS} missing: apt-get install redis-server`);
    port = await freePort();
    server = spawn(
      REDIS,
      [
        '--port',
        String(port),
        '--bind',
        '127.0.0.1',
        '--save',
        '',
        '--appendonly',
        'no',
        '--requirepass',
        's3cret',
      ],
      { stdio: 'ignore' },
    );
    for (let i = 0; ; i++) {
      try {
        // A signal that never fires: the admin connection lives as long as the file's tests.
        admin = await RedisConnection.open(new URL(url()), new AbortController().signal);
        await admin.command('AUTH', 's3cret');
        break;
      } catch (e) {
        if (i > 100) throw e;
        await sleep(50);
      }
    }
  });

  afterAll(() => {
    admin?.close();
    server?.kill('SIGCONT');
    server?.kill('SIGKILL');
  });

  it('a list: up under depth.degraded, degraded past it, down past depth.down; the password never in details', async () => {
    await push('jobs', 2);
    const up = await probe({ url: url(), key: 'jobs' });
    expect(up).toMatchObject({
      ok: true,
      message: 'jobs (list): 2 waiting',
      details: { depth: 2, type: 'list' },
    });
    expect(JSON.stringify(up.details)).not.toContain('s3cret');
    await push('jobs', 2);
    expect(await probe({ url: url(), key: 'jobs' })).toMatchObject({
      ok: false,
      degraded: true,
      message: 'jobs (list): 4 waiting, over depth.degraded 3',
    });
    await push('jobs', 3);
    const down = await probe({ url: url(), key: 'jobs' });
    expect(down).toMatchObject({ ok: false, message: 'jobs (list): 7 waiting, over depth.down 6' });
    expect(down.degraded).toBeUndefined();
    await cmd('DEL', 'jobs');
  });

  it('a key that does not exist is an empty queue (Redis deletes an emptied list)', async () => {
    expect(await probe({ url: url(), key: 'never-used' })).toMatchObject({
      ok: true,
      message: 'never-used: 0 waiting',
      details: { depth: 0 },
    });
  });

  it('reads the database the URL names, and sorted sets and sets', async () => {
    await cmd('SELECT', '2');
    await cmd('ZADD', 'delayed', '1', 'a', '2', 'b', '3', 'c', '4', 'd');
    await cmd('SADD', 'retry', 'x');
    await cmd('SELECT', '0');
    expect(await probe({ url: url(2), key: 'delayed' })).toMatchObject({
      degraded: true,
      details: { depth: 4, type: 'zset' },
    });
    expect(await probe({ url: url(2), key: 'retry' })).toMatchObject({ ok: true, details: { depth: 1 } });
    expect((await probe({ url: url(0), key: 'delayed' })).details?.depth).toBe(0);
  });

  it("a stream: its length without groups; with groups, a group's undelivered plus unacknowledged entries", async () => {
    for (let i = 0; i < 5; i++) await cmd('XADD', 'events', '*', 'n', String(i));
    expect(await probe({ url: url(), key: 'events' })).toMatchObject({
      degraded: true,
      details: { type: 'stream', depth: 5, length: 5 },
    });
    // Group a has been given 3 and acknowledged 2: 2 undelivered + 1 pending. Group b has read nothing: 5.
    await cmd('XGROUP', 'CREATE', 'events', 'a', '0');
    await cmd('XGROUP', 'CREATE', 'events', 'b', '0');
    const read = (await cmd('XREADGROUP', 'GROUP', 'a', 'w1', 'COUNT', '3', 'STREAMS', 'events', '>')) as [
      string,
      [string, string[]][],
    ][];
    const ids = read[0]![1].map((e) => e[0]);
    await cmd('XACK', 'events', 'a', ids[0]!, ids[1]!);
    const a = await probe({ url: url(), key: 'events', group: 'a' });
    expect(a).toMatchObject({
      ok: true,
      message: 'events (stream), group a: 3 waiting',
      details: { depth: 3, lag: 2, pending: 1, length: 5 },
    });
    // No group named: the group furthest behind.
    expect(await probe({ url: url(), key: 'events' })).toMatchObject({
      degraded: true,
      details: { depth: 5, group: 'b' },
    });
    const none = await probe({ url: url(), key: 'events', group: 'c' });
    expect(none).toMatchObject({
      ok: false,
      message: 'cannot read events: stream events has no consumer group c',
    });
  });

  it('a key of another type, or a wrong password, is down and says why', async () => {
    await cmd('SET', 'config', 'x');
    expect((await probe({ url: url(), key: 'config' })).message).toBe(
      'cannot read config: config is a string, not a list, stream, sorted set or set',
    );
    const denied = await probe({ url: `redis://:wrong@127.0.0.1:${port}`, key: 'jobs' });
    expect(denied.ok).toBe(false);
    expect(denied.message).toMatch(/^cannot read jobs: AUTH: WRONGPASS/);
  });

  it('a SIGSTOPped server is a timeout within the check timeout; a stopped one, refused', async () => {
    server.kill('SIGSTOP');
    try {
      const t0 = Date.now();
      const r = await probe({ url: url(), key: 'jobs' });
      expect(r).toMatchObject({ ok: false, message: 'timed out after 1.00s' });
      expect(Date.now() - t0).toBeLessThan(5000);
    } finally {
      server.kill('SIGCONT');
    }
    const exited = new Promise((r) => server.once('exit', r));
    server.kill('SIGKILL');
    await exited;
    expect((await probe({ url: url(), key: 'jobs' })).message).toBe('cannot read jobs: connection refused');
  });
});

describe('queue probe against embedded PostgreSQL', () => {
  let server: SmallPostgres;
  let admin: pg.Client;

  beforeAll(async () => {
    server = await startSmallPostgres(10);
    admin = new pg.Client({ connectionString: server.url });
    await admin.connect();
    await admin.query(`CREATE SCHEMA work;
      CREATE TABLE work."Jobs" (id serial PRIMARY KEY, state text NOT NULL);
      INSERT INTO work."Jobs" (state) SELECT 'queued' FROM generate_series(1, 4);
      INSERT INTO work."Jobs" (state) SELECT 'done' FROM generate_series(1, 9);`);
  });

  afterAll(async () => {
    await admin?.end();
    await server?.stop();
  });

  it('counts the rows of a table that meet where (the name quoted as written)', async () => {
    const r = await probe({ url: server.url, table: 'work.Jobs', where: "state = 'queued'" });
    expect(r).toMatchObject({
      ok: false,
      degraded: true,
      message: 'work.Jobs: 4 waiting, over depth.degraded 3',
      details: { depth: 4, table: 'work.Jobs', port: Number(new URL(server.url).port) },
    });
    expect(JSON.stringify(r.details)).not.toContain('medic-test');
    expect(await probe({ url: server.url, table: 'work.Jobs' })).toMatchObject({
      ok: false,
      message: 'work.Jobs: 13 waiting, over depth.down 6',
    });
  });

  it('or takes the first value a query returns', async () => {
    const r = await probe({
      url: server.url,
      query: `SELECT count(*) FILTER (WHERE state = 'queued') - 2 FROM work."Jobs"`,
    });
    expect(r).toMatchObject({ ok: true, message: 'query: 2 waiting', details: { depth: 2 } });
    const text = await probe({ url: server.url, query: "SELECT 'many'" });
    expect(text).toMatchObject({
      ok: false,
      message: 'cannot read query: the query gave "many", not a count',
    });
  });

  it('runs read-only: a query that would change the jobs is refused and changes nothing', async () => {
    const r = await probe({
      url: server.url,
      query: `WITH gone AS (DELETE FROM work."Jobs" RETURNING 1) SELECT count(*) FROM gone`,
    });
    expect(r.ok).toBe(false);
    expect(r.message).toMatch(/^cannot read query: cannot execute \w+ in a read-only transaction$/);
    expect((await admin.query('SELECT count(*)::int AS n FROM work."Jobs"')).rows[0].n).toBe(13);
  });

  it('a missing table is down, with the server saying so', async () => {
    const r = await probe({ url: server.url, table: 'jobs' });
    expect(r).toMatchObject({ ok: false, message: 'cannot read jobs: relation "jobs" does not exist' });
  });
});

describe('queue config', () => {
  const parse = (queue: Record<string, unknown>) => checkSchema.safeParse({ queue });
  const issues = (queue: Record<string, unknown>) => {
    const r = parse(queue);
    return r.success ? [] : r.error.issues.map((i) => `${i.path.join('.')}: ${i.message}`);
  };

  it('redis takes key (and group); postgres takes table (and where) or query; depth has a level', () => {
    const depth = { degraded: 10 };
    expect(parse({ url: 'redis://h', key: 'q', depth }).success).toBe(true);
    expect(parse({ url: 'postgres://h/db', table: 'jobs', where: 'done = false', depth }).success).toBe(true);
    expect(parse({ url: 'postgresql://h/db', query: 'SELECT 1', depth }).success).toBe(true);
    expect(issues({ url: 'redis://h', depth })).toContain('queue.key: a redis queue needs key');
    expect(issues({ url: 'redis://h', key: 'q', table: 't', depth })).toContain(
      'queue.table: table is for a postgres queue; a redis queue takes key',
    );
    expect(issues({ url: 'postgres://h', depth })).toContain('queue: a postgres queue needs table or query');
    expect(issues({ url: 'postgres://h', table: 't', query: 'SELECT 1', depth })).toContain(
      'queue: a postgres queue needs table or query',
    );
    expect(issues({ url: 'postgres://h', query: 'SELECT 1', where: 'x', depth })).toContain(
      'queue.where: where goes with table',
    );
    expect(issues({ url: 'postgres://h', table: 'jobs; DROP TABLE x', depth })[0]).toMatch(
      /^queue\.table: a table name/,
    );
    expect(issues({ url: 'http://h', key: 'q', depth })[0]).toMatch(
      /^queue\.url: a redis:\/\/ or postgres:\/\/ URL/,
    );
    expect(issues({ url: 'redis://h', key: 'q', depth: {} })[0]).toMatch(
      /^queue\.depth: give degraded, down or both/,
    );
    expect(parse({ url: 'redis://h', key: 'q' }).success).toBe(false);
  });
});
