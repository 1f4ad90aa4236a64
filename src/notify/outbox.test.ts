import pino from 'pino';
import { afterEach, describe, expect, it } from 'vitest';
import { SimulatedClock } from '../core/index.js';
import { openSqliteStore, type SqliteStore } from '../store/index.js';
import { backoffMs, DEFAULT_BACKOFF, isPermanent } from './backoff.js';
import type { Notification, Notifier } from './notifier.js';
import { Outbox } from './outbox.js';

const logger = pino({ level: 'silent' });

/** A channel that refuses its first `failures` sends (with `status`, when given), recording every attempt. */
function channel(name: string, failures = 0, status?: number) {
  const attempts: { at: number; key: string | undefined }[] = [];
  const delivered: Notification[] = [];
  let clockRef: SimulatedClock | undefined;
  const n: Notifier & {
    attempts: typeof attempts;
    delivered: Notification[];
    bind(c: SimulatedClock): void;
  } = {
    name,
    attempts,
    delivered,
    bind: (c) => {
      clockRef = c;
    },
    async send(x) {
      attempts.push({ at: clockRef?.now() ?? 0, key: x.key });
      if (attempts.length <= failures)
        throw Object.assign(new Error(`${name}: HTTP ${status ?? 503}`), { status: status ?? 503 });
      delivered.push(x);
    },
  };
  return n;
}

function note(over: Partial<Notification> = {}): Notification {
  return {
    event: 'incident.escalated',
    at: 1,
    service: 'api',
    title: 'api: Medic needs a human',
    message: 'restart failed',
    incidentId: 'inc_1',
    data: {},
    ...over,
  };
}

const stores: SqliteStore[] = [];
const outboxes: Outbox[] = [];
afterEach(async () => {
  for (const o of outboxes.splice(0)) await o.stop();
  for (const s of stores.splice(0)) await s.close();
});

async function setup(
  channels: ReturnType<typeof channel>[],
  store?: SqliteStore,
  replica = 'r1',
  pollMs?: number,
) {
  const clock = new SimulatedClock();
  const s = store ?? (await openSqliteStore({ dir: ':memory:' }));
  if (!store) stores.push(s);
  for (const c of channels) c.bind(clock);
  const outbox = new Outbox({
    store: s,
    clock,
    logger,
    replica: { id: replica, expiryMs: 10_000, canAct: () => true },
    channel: (name) => channels.find((c) => c.name === name),
    ...(pollMs ? { pollMs } : {}),
  });
  outboxes.push(outbox);
  outbox.start();
  return { clock, store: s, outbox };
}

/** Lets the outbox's passes (event-loop turns, not clock time) run until `done` holds. */
async function until(done: () => boolean | Promise<boolean>): Promise<void> {
  for (let i = 0; i < 200; i++) {
    if (await done()) return;
    await new Promise((r) => setImmediate(r));
  }
  throw new Error('outbox did not get there');
}

describe('backoff', () => {
  it.each([
    [0, 0],
    [1, 1_000],
    [2, 2_000],
    [4, 8_000],
    [9, 256_000],
    [10, 300_000],
    [1_000, 300_000],
  ])('after %i failures waits %i ms (doubling from 1 s, capped at 5 min)', (failures, ms) => {
    expect(backoffMs(failures)).toBe(ms);
  });

  it.each([
    [400, true],
    [401, true],
    [404, true],
    [408, false],
    [429, false],
    [500, false],
    [503, false],
    [undefined, false],
  ])('HTTP %s is permanent: %s', (status, permanent) => {
    expect(isPermanent(Object.assign(new Error('x'), { status }))).toBe(permanent);
  });
});

describe('Outbox', () => {
  it('retries a refused notification with capped exponential backoff until it is delivered, once', async () => {
    const ops = channel('ops', 3);
    const { clock, outbox, store } = await setup([ops]);
    const t0 = clock.now();
    await outbox.enqueue('ops', note());
    await until(() => ops.attempts.length === 1);
    // Before each backoff ends nothing is tried; at its end one attempt is.
    for (const [wait, tries] of [
      [999, 1],
      [1, 2],
      [1_999, 2],
      [1, 3],
      [3_999, 3],
      [1, 4],
    ] as const) {
      await clock.advance(wait);
      await until(() => ops.attempts.length === tries);
    }
    await until(async () => (await store.notificationCounts()).delivered === 1);
    expect(ops.attempts.map((a) => a.at - t0)).toEqual([0, 1_000, 3_000, 7_000]);
    expect(ops.delivered).toHaveLength(1);
    await clock.advance(600_000);
    expect(ops.attempts).toHaveLength(4);
    const [row] = (await store.listNotifications({})).items;
    expect(row).toMatchObject({ state: 'delivered', attempts: 4, lastError: null });
  });

  it('sends a decision enqueued twice, or again after a restart, once', async () => {
    const ops = channel('ops');
    const first = await setup([ops]);
    await first.outbox.enqueue('ops', note({ key: 'action.failed|act_1' }));
    await first.outbox.enqueue('ops', note({ key: 'action.failed|act_1', at: 2 }));
    await until(() => ops.delivered.length === 1);
    await first.outbox.stop();
    // A new process (another replica id) on the same store decides the same thing again.
    const second = await setup([ops], first.store, 'r2');
    await second.outbox.enqueue('ops', note({ key: 'action.failed|act_1', at: 3 }));
    await second.clock.advance(60_000);
    expect(ops.attempts).toHaveLength(1);
    expect(ops.delivered[0]!.key).toBe('action.failed|act_1');
    // Without a key, the same notification is the same decision; a different time is another.
    await second.outbox.enqueue('ops', note());
    await second.outbox.enqueue('ops', note());
    await second.outbox.enqueue('ops', note({ at: 5 }));
    await until(() => ops.delivered.length === 3);
    await second.clock.advance(60_000);
    expect(ops.delivered).toHaveLength(3);
  });

  it('backs off per channel: a dead receiver neither delays another channel nor gets every row at once', async () => {
    const down = channel('down', 100);
    const up = channel('up');
    const { clock, outbox } = await setup([down, up]);
    for (let i = 0; i < 5; i++) {
      await outbox.enqueue('down', note({ key: `k${i}` }));
      await outbox.enqueue('up', note({ key: `k${i}` }));
    }
    await until(() => up.delivered.length === 5);
    // One attempt told the down channel is down; its other rows wait for the channel's backoff.
    expect(down.attempts).toHaveLength(1);
    await clock.advance(1_000);
    await until(() => down.attempts.length === 2);
    await clock.advance(10);
    expect(down.attempts).toHaveLength(2);
  });

  it('dead-letters a permanent refusal at once and a transient one after the last attempt', async () => {
    const bad = channel('bad', 100, 400);
    const flaky = channel('flaky', 100, 503);
    const { clock, outbox, store } = await setup([bad, flaky]);
    await outbox.enqueue('bad', note());
    await outbox.enqueue('flaky', note());
    await outbox.enqueue('gone', note());
    await until(async () => (await store.notificationCounts()).dead === 2);
    expect(bad.attempts).toHaveLength(1);
    const dead = (await store.listNotifications({ state: 'dead' })).items;
    expect(dead.map((d) => d.notifier).sort()).toEqual(['bad', 'gone']);
    expect(dead.find((d) => d.notifier === 'gone')!.lastError).toContain('no notifier is named "gone"');
    // The whole schedule: about an hour and a quarter, then given up and counted.
    for (let i = 0; i < DEFAULT_BACKOFF.maxAttempts; i++) {
      await clock.advance(300_000);
      await until(() => flaky.attempts.length >= Math.min(i + 2, DEFAULT_BACKOFF.maxAttempts));
    }
    await until(async () => (await store.notificationCounts()).dead === 3);
    expect(flaky.attempts).toHaveLength(DEFAULT_BACKOFF.maxAttempts);
    await clock.advance(3_600_000);
    expect(flaky.attempts).toHaveLength(DEFAULT_BACKOFF.maxAttempts);
  });

  it('leaves what a stopped process could not send to the next one, which sends it when due', async () => {
    const ops = channel('ops', 1);
    const first = await setup([ops]);
    await first.outbox.enqueue('ops', note({ key: 'k1' }));
    await until(() => ops.attempts.length === 1);
    await first.outbox.stop();
    const second = await setup([ops], first.store, 'r2');
    // The second clock starts where the first did: the row's next attempt is 1 s after the failure.
    await until(() => ops.delivered.length === 0);
    expect(ops.attempts).toHaveLength(1);
    await second.clock.advance(1_000);
    await until(() => ops.delivered.length === 1);
    expect(ops.attempts).toHaveLength(2);
  });

  it('prunes delivered rows after a week, hourly', async () => {
    const ops = channel('ops');
    // Polling hourly keeps a simulated week to a few hundred passes.
    const { clock, outbox, store } = await setup([ops], undefined, 'r1', 3_600_000);
    await outbox.enqueue('ops', note());
    await until(async () => (await store.notificationCounts()).delivered === 1);
    await clock.advance(6 * 24 * 3_600_000);
    expect((await store.listNotifications({})).total).toBe(1);
    await clock.advance(24 * 3_600_000 + 3_600_000);
    await until(async () => (await store.listNotifications({})).total === 0);
  });

  it('stops at once: aborts the send in flight and leaves the rest of the pass (no waiting out timeouts)', async () => {
    // A receiver that takes 2 s per row unless the send is aborted (a webhook's timeout is 5 s).
    const attempts: (AbortSignal | undefined)[] = [];
    const slow: Notifier = {
      name: 'slow',
      send: (_n, signal) =>
        new Promise<void>((resolve, reject) => {
          attempts.push(signal);
          const t = setTimeout(resolve, 2_000);
          signal?.addEventListener('abort', () => {
            clearTimeout(t);
            reject(new Error('slow: aborted'));
          });
        }),
    };
    const clock = new SimulatedClock();
    const store = await openSqliteStore({ dir: ':memory:' });
    stores.push(store);
    const outbox = new Outbox({
      store,
      clock,
      logger,
      replica: { id: 'r1', expiryMs: 10_000, canAct: () => true },
      channel: () => slow,
    });
    for (let i = 0; i < 5; i++) await outbox.enqueue('slow', note({ key: `k${i}` }));
    outbox.start();
    await until(() => attempts.length === 1);
    const started = Date.now();
    const stopped = await Promise.race([
      outbox.stop().then(() => 'stopped'),
      new Promise((r) => setTimeout(() => r('still waiting'), 1_000)),
    ]);
    expect(stopped).toBe('stopped');
    expect(Date.now() - started).toBeLessThan(1_000);
    expect(attempts).toHaveLength(1);
    // Nothing was delivered or given up: the interrupted row and the others wait for the next start.
    expect(await store.notificationCounts()).toMatchObject({ pending: 5, delivered: 0, dead: 0 });
    const interrupted = (await store.listNotifications({})).items.find((r) => r.attempts === 1);
    expect(interrupted?.lastError).toMatch(/interrupted by a stop/);
  });

  it('sends nothing while the replica may not act (its heartbeat is stale)', async () => {
    const ops = channel('ops');
    const clock = new SimulatedClock();
    const store = await openSqliteStore({ dir: ':memory:' });
    stores.push(store);
    let canAct = false;
    const outbox = new Outbox({
      store,
      clock,
      logger,
      replica: { id: 'r1', expiryMs: 10_000, canAct: () => canAct },
      channel: () => ops,
    });
    outboxes.push(outbox);
    outbox.start();
    await outbox.enqueue('ops', note());
    await clock.advance(4_000);
    expect(ops.attempts).toHaveLength(0);
    canAct = true;
    await clock.advance(1_000);
    await until(() => ops.delivered.length === 1);
  });

  it('sends an escalation at once though more notices than one claim wait for their groups', async () => {
    const ops = channel('ops');
    const { clock } = await setup([ops]);
    // 60 notices of 60 services, each waiting 30 s for its group: more than one pass claims (50).
    for (let i = 0; i < 60; i++) {
      await (outboxes.at(-1) as Outbox).enqueue(
        'ops',
        note({
          event: 'incident.opened',
          service: `s${i}`,
          incidentId: `inc_s${i}`,
          group: { key: `incident.opened|s${i}`, waitMs: 30_000, intervalMs: 300_000 },
        }),
      );
    }
    await clock.advance(100);
    expect(ops.attempts).toHaveLength(0);
    await (outboxes.at(-1) as Outbox).enqueue('ops', note({ incidentId: 'inc_late', service: 'late' }));
    await until(() => ops.delivered.some((n) => n.service === 'late'));
    expect(ops.delivered).toHaveLength(1);
    // The groups go out when due, each once.
    await clock.advance(30_000);
    await until(() => ops.delivered.length === 61);
  });
});

describe('a claim when more is due than one pass takes', () => {
  async function bare(canAct: () => boolean = () => true) {
    const store = await openSqliteStore({ dir: ':memory:' });
    stores.push(store);
    const clock = new SimulatedClock();
    const ops = channel('ops');
    ops.bind(clock);
    const outbox = new Outbox({
      store,
      clock,
      logger,
      replica: { id: 'r1', expiryMs: 10_000, canAct },
      channel: (name) => (name === 'ops' ? ops : undefined),
    });
    outboxes.push(outbox);
    return { clock, ops, outbox };
  }

  it('takes the notices a human waits on first: an escalation does not wait behind older ones', async () => {
    const { clock, ops, outbox } = await bare();
    for (let i = 0; i < 60; i++)
      await outbox.enqueue(
        'ops',
        note({ event: 'incident.opened', key: `opened|${i}`, incidentId: `inc_${i}` }),
      );
    await clock.advance(1_000);
    await outbox.enqueue('ops', note({ key: 'escalated|inc_x', incidentId: 'inc_x' }));
    await outbox.pass();
    // The escalation, then a pass's 50 of the 60 older rows.
    expect(ops.delivered).toHaveLength(51);
    expect(ops.delivered[0]?.key).toBe('escalated|inc_x');
  });

  it('still sends a due group whole beside more urgent notices than a pass takes', async () => {
    let acting = true;
    const { clock, ops, outbox } = await bare(() => acting);
    outbox.start();
    const group = { key: 'incident.opened|g', waitMs: 30_000, intervalMs: 300_000 };
    for (let i = 0; i < 10; i++)
      await outbox.enqueue(
        'ops',
        note({ event: 'incident.opened', service: 'g', key: `opened|g${i}`, incidentId: `inc_g${i}`, group }),
      );
    await until(() => true);
    // The group falls due while 55 failed steps are due too (more than one pass's 50).
    acting = false;
    await clock.advance(30_500);
    for (let i = 0; i < 55; i++)
      await outbox.enqueue(
        'ops',
        note({ event: 'action.failed', key: `failed|${i}`, incidentId: `inc_${i}` }),
      );
    acting = true;
    for (let k = 0; k < 10; k++) {
      await clock.advance(1_000);
      for (let i = 0; i < 50; i++) await new Promise((r) => setImmediate(r));
    }
    const opened = ops.delivered.filter((n) => n.event === 'incident.opened');
    expect(ops.delivered.filter((n) => n.event === 'action.failed')).toHaveLength(55);
    expect(opened).toHaveLength(1);
    expect((opened[0]?.data['grouped'] as unknown[] | undefined)?.length).toBe(10);
  });
});
