import pg from 'pg';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { type SmallPostgres, startSmallPostgres } from '../../sources/probes/postgres.fixture.js';
import { postgresTerminateAction, withoutPassword } from './postgres-terminate.js';
import type { ExtendedStep } from './steps.js';
import { testContext } from './testing.js';

// One real server for the file (a start takes seconds); every test closes what it opened.
let server: SmallPostgres;
const opened: pg.Client[] = [];

beforeAll(async () => {
  server = await startSmallPostgres(20);
  const admin = await session(server.url);
  // A plain role, as an application's would be: not a superuser.
  await admin.query("CREATE ROLE batch LOGIN PASSWORD 'batch-pw'");
}, 120_000);

afterAll(async () => {
  await server?.stop();
}, 60_000);

afterEach(async () => {
  await Promise.all(opened.splice(0).map((c) => c.end().catch(() => undefined)));
});

const asUser = (user: string, password: string) => {
  const u = new URL(server.url);
  u.username = user;
  u.password = password;
  return u.toString();
};

async function session(url: string, application = 'test'): Promise<pg.Client> {
  const c = new pg.Client({ connectionString: url, application_name: application });
  c.on('error', () => {}); // terminated on purpose
  await c.connect();
  opened.push(c);
  return c;
}

const pidOf = new Map<pg.Client, number>();

/** A session that began a transaction and then does nothing: idle in transaction. */
async function idleInTransaction(url: string, application: string): Promise<pg.Client> {
  const c = await session(url, application);
  pidOf.set(c, (await c.query<{ pid: number }>('SELECT pg_backend_pid() AS pid')).rows[0]!.pid);
  await c.query('BEGIN');
  await c.query('SELECT 1');
  return c;
}

const step = (over: Record<string, unknown>) =>
  ({
    timeout: 30_000,
    postgres_terminate: { url: server.url, older_than: 300, ...over },
  }) as unknown as ExtendedStep;

async function run(over: Record<string, unknown>) {
  const s = step(over);
  const plan = postgresTerminateAction.plan(s, 'db', {});
  const ctx = testContext({ step: s });
  const snapshot = await postgresTerminateAction.snapshot!(plan, ctx);
  return { plan, snapshot, message: await postgresTerminateAction.apply(plan, ctx) };
}

async function alive(c: pg.Client): Promise<boolean> {
  try {
    await c.query('SELECT 1');
    return true;
  } catch {
    return false;
  }
}

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

describe('postgres_terminate action', () => {
  it('terminates the sessions idle in transaction past the age, names each, spares superusers and the rest', async () => {
    const batch = asUser('batch', 'batch-pw');
    const stuck = [await idleInTransaction(batch, 'report'), await idleInTransaction(batch, 'report')];
    const su = await idleInTransaction(server.url, 'admin-shell'); // a superuser's session
    const busy = await session(batch, 'report'); // connected, not in a transaction
    await sleep(500);
    const young = await idleInTransaction(batch, 'report'); // idle in transaction, but not for long
    const pids = stuck.map((c) => pidOf.get(c)!);

    const { plan, snapshot, message } = await run({ older_than: 400 });
    // The password never reaches the journal.
    expect(JSON.stringify(plan.params)).not.toContain('medic-test');
    expect(plan.description).toMatch(/idle in transaction for 400ms or more/);
    // The snapshot, journaled before the step acts, lists what it is about to end.
    const listed = (snapshot['sessions'] as { pid: number }[]).map((s) => s.pid).sort();
    expect(listed).toEqual([...pids].sort());
    expect(message).toMatch(/^terminated 2 sessions: /);
    for (const pid of pids) expect(message).toContain(`${pid} (batch, report, idle in transaction`);
    expect(message).toMatch(/left alone: 1 of superusers \(include_superusers: false\)/);

    expect(await alive(stuck[0]!)).toBe(false);
    expect(await alive(stuck[1]!)).toBe(false);
    expect(await alive(su)).toBe(true);
    expect(await alive(busy)).toBe(true);
    expect(await alive(young)).toBe(true);
  });

  it('narrows by application_name and user, and ends superusers only when asked', async () => {
    const batch = asUser('batch', 'batch-pw');
    const report = await idleInTransaction(batch, 'report');
    const other = await idleInTransaction(batch, 'worker');
    const su = await idleInTransaction(server.url, 'worker');
    await sleep(400);

    let r = await run({ application_name: 'report' });
    expect(r.message).toMatch(/^terminated 1 session: /);
    expect(await alive(report)).toBe(false);
    expect(await alive(other)).toBe(true);

    await expect(run({ user: 'nobody-such' })).rejects.toThrow(/^no session to terminate$/);

    await sleep(400); // alive() ran a statement in its transaction: idle again from then
    r = await run({ application_name: 'worker', include_superusers: true });
    expect(r.message).toMatch(/^terminated 2 sessions: /);
    expect(await alive(other)).toBe(false);
    expect(await alive(su)).toBe(false);
  });

  it('ends a query running past the age with state: active, never its own session', async () => {
    const batch = asUser('batch', 'batch-pw');
    const slow = await session(batch, 'report');
    const running = slow.query('SELECT pg_sleep(30)').catch((err: Error) => err);
    await sleep(500);
    const r = await run({ state: 'active', older_than: 300 });
    expect(r.message).toMatch(/^terminated 1 session: \d+ \(batch, report, active/);
    expect(String(await running)).toMatch(/terminat/);
  });

  it('says clearly what is wrong: a bad URL, a server that refuses', async () => {
    expect(() =>
      postgresTerminateAction.plan(
        {
          timeout: 1000,
          postgres_terminate: { url: 'mysql://x', older_than: 1000 },
        } as unknown as ExtendedStep,
        'db',
        {},
      ),
    ).toThrow(/postgres_terminate: url: a postgres:\/\/ URL/);
    expect(() =>
      postgresTerminateAction.plan(
        { timeout: 1000, postgres_terminate: { url: server.url } } as unknown as ExtendedStep,
        'db',
        {},
      ),
    ).toThrow(/older_than/);
    const bad = asUser('batch', 'wrong-password');
    const s = step({ url: bad });
    const plan = postgresTerminateAction.plan(s, 'db', {});
    await expect(postgresTerminateAction.apply(plan, testContext({ step: s }))).rejects.toThrow(
      /cannot connect to postgres:\/\/batch@127\.0\.0\.1:\d+\/postgres: .*password/,
    );
    expect(withoutPassword('postgres://u:secret@h:5432/d')).toBe('postgres://u@h:5432/d');
  });
});
