import { afterEach, describe, expect, it } from 'vitest';
import { configSchema } from '../src/config/index.js';
import { SimulatedClock } from '../src/core/index.js';
import { type Notification, NotifyRouter, Outbox } from '../src/notify/index.js';
import { memoryLogger, type Receiver, startReceiver } from '../src/notify/notify.fixture.js';
import { openSqliteStore, type SqliteStore } from '../src/store/index.js';
import { tempDir } from './helpers.js';

/**
 * Issue 19: grouping was off by default, and three crashes sent six messages per channel. Now a notifier
 * groups like Alertmanager by default (group_wait 30 s, group_interval 5 min) what can wait, while an
 * escalation or a heal waiting for approval goes at once. The grouping happens in the durable outbox, so a
 * stop while a group waits delays it and never loses it. Real SQLite store, real webhook receiver.
 */
const T0 = Date.UTC(2026, 2, 1, 3, 0, 0);
const S = 1000;

let store: SqliteStore | undefined;
let receiver: Receiver | undefined;
const outboxes: Outbox[] = [];
afterEach(async () => {
  for (const o of outboxes.splice(0)) await o.stop();
  await store?.close();
  await receiver?.close();
  store = undefined;
  receiver = undefined;
});

/** The daemon's notify path: router (config defaults) → outbox (stored) → webhook channel. */
function pipeline(clock: SimulatedClock, config: ReturnType<typeof configSchema.parse>, replica: string) {
  const { logger } = memoryLogger();
  let router: NotifyRouter | undefined;
  const outbox = new Outbox({
    store: store!,
    clock,
    logger,
    replica: { id: replica, expiryMs: 10_000, canAct: () => true },
    channel: (name) => router?.channel(name),
  });
  router = new NotifyRouter(config.notifiers, logger, { clock, sink: outbox });
  outboxes.push(outbox);
  outbox.start();
  return { router, outbox };
}

const crash = (n: number, event: 'incident.opened' | 'incident.resolved', at: number): Notification => ({
  event,
  at,
  service: 'demo',
  title: `demo: incident ${event === 'incident.opened' ? 'opened' : 'resolved'}`,
  message: `crash ${n}`,
  incidentId: `inc_${n}`,
  key: `${event}|inc_${n}`,
  data: { severity: 'critical', cause: 'process_crashed' },
});

/** Lets the outbox's passes run (event-loop turns) until `done` holds. */
async function until(done: () => boolean): Promise<void> {
  for (let i = 0; i < 400 && !done(); i++) await new Promise((r) => setTimeout(r, 5));
  expect(done()).toBe(true);
}
const settle = () => new Promise((r) => setTimeout(r, 100));

describe('notification grouping by default', () => {
  it('parses to group_wait 30 s and group_interval 5 min when a notifier says nothing', () => {
    const c = configSchema.parse({ notifiers: [{ webhook: { url: 'http://127.0.0.1:1/hook' } }] });
    expect(c.notifiers[0]).toMatchObject({ group_wait: 30_000, group_interval: 300_000 });
    expect(c.notifiers[0]?.repeat_interval).toBeUndefined();
  });

  it('three crashes: one opened and one resolved message per channel; the escalation at once', async () => {
    store = await openSqliteStore({ dir: await tempDir() });
    receiver = await startReceiver();
    const clock = new SimulatedClock(T0);
    const config = configSchema.parse({ notifiers: [{ webhook: { url: receiver.url } }] });
    const { router } = pipeline(clock, config, 'r1');
    const got = () => receiver!.received.map((r) => r.body as Notification);

    for (const n of [1, 2, 3]) {
      await router.send(crash(n, 'incident.opened', clock.now()));
      await clock.advance(2 * S);
      await router.send(crash(n, 'incident.resolved', clock.now()));
      await clock.advance(3 * S);
    }
    const escalation: Notification = {
      event: 'incident.escalated',
      at: clock.now(),
      service: 'demo',
      title: 'demo: Medic needs a human',
      message: 'demo failed 3 heals',
      incidentId: 'inc_3',
      data: { severity: 'critical' },
    };
    await router.send(escalation);
    // Critical: delivered without the clock moving.
    await until(() => got().length === 1);
    expect(got()[0]).toMatchObject({ event: 'incident.escalated' });

    await clock.advance(14 * S); // 29 s after the first opening: the group still waits
    await settle();
    expect(got()).toHaveLength(1);
    await clock.advance(1 * S); // 30 s after it: the opened group is due
    await until(() => got().length === 2);
    await clock.advance(2 * S); // 30 s after the first resolution
    await until(() => got().length === 3);
    const [, opened, resolved] = got();
    expect(opened).toMatchObject({ event: 'incident.opened', title: 'demo: incident opened (+2 more)' });
    expect(opened?.message).toBe('crash 1\ncrash 2\ncrash 3');
    expect(resolved).toMatchObject({
      event: 'incident.resolved',
      title: 'demo: incident resolved (+2 more)',
    });
    // Channels never see the outbox's grouping tag.
    expect(got().every((n) => n.group === undefined)).toBe(true);

    // A fourth crash within group_interval waits for it (5 min after the last send), then goes alone.
    await router.send(crash(4, 'incident.opened', clock.now()));
    await clock.advance(60 * S);
    await settle();
    expect(got()).toHaveLength(3);
    await clock.advance(240 * S);
    await until(() => got().length === 4);
    expect(got()[3]).toMatchObject({ title: 'demo: incident opened', message: 'crash 4' });
  });

  it('a stop while a group waits delays it and never loses it', async () => {
    const dir = await tempDir();
    store = await openSqliteStore({ dir });
    receiver = await startReceiver();
    const clock = new SimulatedClock(T0);
    const config = configSchema.parse({ notifiers: [{ webhook: { url: receiver.url } }] });
    const first = pipeline(clock, config, 'r1');
    await first.router.send(crash(1, 'incident.opened', clock.now()));
    await clock.advance(10 * S);
    await first.outbox.stop();
    expect(receiver.received).toHaveLength(0);

    // The next start (same store): the stored notice goes out when its group is due.
    const second = pipeline(clock, config, 'r1');
    await clock.advance(20 * S);
    second.outbox.kick();
    await until(() => receiver!.received.length === 1);
    expect(receiver.received[0]?.body).toMatchObject({ event: 'incident.opened', message: 'crash 1' });
  });

  it('group_wait: 0 sends each notice at once, as before', async () => {
    store = await openSqliteStore({ dir: await tempDir() });
    receiver = await startReceiver();
    const clock = new SimulatedClock(T0);
    const config = configSchema.parse({
      notifiers: [{ webhook: { url: receiver.url }, group_wait: 0, group_interval: 0 }],
    });
    const { router } = pipeline(clock, config, 'r1');
    await router.send(crash(1, 'incident.opened', clock.now()));
    await router.send(crash(1, 'incident.resolved', clock.now()));
    await until(() => receiver!.received.length === 2);
  });
});
