import pino from 'pino';
import { afterEach, describe, expect, it } from 'vitest';
import { SimulatedClock } from '../core/index.js';
import { openSqliteStore, type SqliteStore } from '../store/index.js';
import type { Notification, Notifier } from './notifier.js';
import { Outbox, type OutboxStore } from './outbox.js';

/** Notices held for their groups: each claimed when it arrives and when its group is due, not every pass. */

const logger = pino({ level: 'silent' });
const WAIT = 300_000;

function note(over: Partial<Notification> = {}): Notification {
  return {
    event: 'incident.opened',
    at: 1,
    service: 'api',
    title: 'api: incident opened',
    message: 'api is down',
    incidentId: 'inc_1',
    data: {},
    ...over,
  };
}

function grouped(i: number, service = `s${i}`, waitMs = WAIT): Notification {
  return note({
    service,
    incidentId: `inc_${i}`,
    title: `${service}: incident opened (${i})`,
    group: { key: `incident.opened|${service}`, waitMs, intervalMs: 300_000 },
  });
}

const stores: SqliteStore[] = [];
afterEach(async () => {
  for (const s of stores.splice(0)) await s.close();
});

/** An outbox whose passes the test runs itself, over the real SQLite store, counting the rows claims return. */
async function setup() {
  const clock = new SimulatedClock();
  const s = await openSqliteStore({ dir: ':memory:' });
  stores.push(s);
  const sent: Notification[] = [];
  const ops: Notifier = {
    name: 'ops',
    async send(n) {
      sent.push(n);
    },
  };
  const counted = { claimed: 0 };
  const store: OutboxStore = {
    enqueueNotifications: (rows) => s.enqueueNotifications(rows),
    claimNotifications: async (replica, now, opts) => {
      const rows = await s.claimNotifications(replica, now, opts);
      counted.claimed += rows.length;
      return rows;
    },
    settleNotification: (id, replica, outcome) => s.settleNotification(id, replica, outcome),
    deferNotifications: (ids, replica, until, at) => s.deferNotifications(ids, replica, until, at),
    nextNotificationAt: () => s.nextNotificationAt(),
    pruneNotifications: (before) => s.pruneNotifications(before),
  };
  const outbox = new Outbox({
    store,
    clock,
    logger,
    replica: { id: 'r1', expiryMs: 10_000, canAct: () => true },
    channel: (name) => (name === 'ops' ? ops : undefined),
  });
  /** Passes until one says nothing more is due now (what the running loop does). */
  const drain = async () => {
    while ((await outbox.pass()) <= clock.now()) {}
  };
  return { clock, store: s, outbox, sent, counted, drain };
}

describe('held group notices', () => {
  it('are claimed once while they wait, not by every pass (1,000 arriving 50 at a time)', async () => {
    const { clock, store, outbox, sent, counted, drain } = await setup();
    const n = 1_000;
    for (let i = 0; i < n; i += 50) {
      for (let j = i; j < i + 50; j++) await outbox.enqueue('ops', grouped(j));
      await drain();
      await clock.advance(1_000);
    }
    expect(sent).toHaveLength(0);
    // Each arrival claimed once (then deferred to its group's due time); every pass claiming all held rows
    // again would have claimed about n²/50 in total.
    expect(counted.claimed).toBe(n);
    expect(
      (await store.getNotification((await store.listNotifications({ limit: 1 })).items[0]!.id))
        ?.nextAttemptAt,
    ).toBeGreaterThan(clock.now());

    // An escalation behind them goes in the next pass.
    await outbox.enqueue(
      'ops',
      note({ event: 'incident.escalated', service: 'late', incidentId: 'inc_late' }),
    );
    await drain();
    expect(sent.map((m) => m.service)).toEqual(['late']);

    // When due, each group goes once, each row claimed once more.
    counted.claimed = 0;
    await clock.advance(WAIT);
    await drain();
    expect(sent).toHaveLength(n + 1);
    expect(counted.claimed).toBe(n);
    expect((await store.notificationCounts()).pending).toBe(0);
  });

  it('sends a member that arrives while its group waits with the group, at the group’s due time', async () => {
    const { clock, store, outbox, sent, drain } = await setup();
    const t0 = clock.now();
    await outbox.enqueue('ops', grouped(1, 'api', 30_000));
    await drain();
    await clock.advance(20_000);
    await outbox.enqueue('ops', grouped(2, 'api', 30_000));
    await drain();
    // It joins the group's due time rather than waiting its own group_wait (to t0 + 50 s).
    const rows = (await store.listNotifications({})).items;
    expect(rows.map((r) => r.nextAttemptAt)).toEqual([t0 + 30_000, t0 + 30_000]);
    await clock.advance(9_999);
    await drain();
    expect(sent).toHaveLength(0);
    await clock.advance(1);
    await drain();
    expect(sent).toHaveLength(1);
    expect(sent[0]!.title).toContain('(+1 more)');
    expect((await store.notificationCounts()).delivered).toBe(2);
  });

  it('sends a group larger than a claim as one message when due', async () => {
    const { clock, outbox, sent, drain } = await setup();
    for (let i = 0; i < 120; i++) {
      await outbox.enqueue('ops', grouped(i, 'api', 30_000));
      if (i % 40 === 39) {
        await drain();
        await clock.advance(5_000);
      }
    }
    await clock.advance(20_000);
    await drain();
    expect(sent).toHaveLength(1);
    expect(sent[0]!.title).toContain('(+119 more)');
  });

  it('sends held notices at their stored due time after a restart (the held groups are not remembered)', async () => {
    const first = await setup();
    await first.outbox.enqueue('ops', grouped(1, 'api', 30_000));
    await first.drain();
    const clock = first.clock;
    await clock.advance(30_000);
    // A new process on the same store (same replica), nothing in memory.
    const sent: Notification[] = [];
    const again = new Outbox({
      store: first.store,
      clock,
      logger,
      replica: { id: 'r1', expiryMs: 10_000, canAct: () => true },
      channel: () => ({
        name: 'ops',
        async send(n) {
          sent.push(n);
        },
      }),
    });
    await again.pass();
    expect(sent.map((n) => n.incidentId)).toEqual(['inc_1']);
    expect(first.sent).toHaveLength(0);
  });

  it('sends a group larger than a claim as one message when its channel was in backoff as it fell due', async () => {
    const { clock, store, sent } = await setup();
    let failing = true;
    const outbox = new Outbox({
      store,
      clock,
      logger,
      replica: { id: 'r1', expiryMs: 10_000, canAct: () => true },
      backoff: { initialMs: 10_000, maxMs: 60_000, maxAttempts: 20 },
      channel: () => ({
        name: 'ops',
        async send(n) {
          if (failing && n.group === undefined) throw new Error('receiver down');
          sent.push(n);
        },
      }),
    });
    const drain = async () => {
      while ((await outbox.pass()) <= clock.now()) {}
    };
    for (let i = 0; i < 120; i++) await outbox.enqueue('ops', grouped(i, 'api', 30_000));
    await drain();
    // Just before the group is due, a notice that may not wait fails: the channel backs off past the due time.
    await clock.advance(29_000);
    await outbox.enqueue('ops', note({ incidentId: 'inc_now', title: 'escalated' }));
    await drain();
    await clock.advance(2_000);
    await drain();
    expect(sent).toHaveLength(0);
    failing = false;
    await clock.advance(10_000);
    await drain();
    const group = sent.filter((n) => n.service === 'api' && n.incidentId !== 'inc_now');
    expect(group.map((n) => n.title.match(/\(\+\d+ more\)/)?.[0])).toEqual(['(+119 more)']);
  });
});
