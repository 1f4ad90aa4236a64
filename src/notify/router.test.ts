import { afterEach, describe, expect, it } from 'vitest';
import { notifierSchema } from '../config/index.js';
import type { Notification, Notifier } from './notifier.js';
import { memoryLogger, notification, type Receiver, startReceiver } from './notify.fixture.js';
import { NotifyRouter } from './router.js';

const receivers: Receiver[] = [];
afterEach(async () => {
  await Promise.all(receivers.splice(0).map((r) => r.close()));
});

class Recorder implements Notifier {
  readonly sent: Notification[] = [];
  constructor(readonly name: string) {}
  async send(n: Notification): Promise<void> {
    this.sent.push(n);
  }
}

describe('NotifyRouter', () => {
  it('delivers only to notifiers subscribed to the event', async () => {
    const { logger } = memoryLogger();
    const opened = new Recorder('opened');
    const actions = new Recorder('actions');
    const router = new NotifyRouter([], logger).add(opened, ['incident.opened']).add(actions, ['action']);
    expect(await router.send(notification({ event: 'action' }))).toEqual([{ notifier: 'actions', ok: true }]);
    expect(opened.sent).toHaveLength(0);
    expect(actions.sent).toHaveLength(1);
    expect(await router.send(notification({ event: 'incident.resolved' }))).toEqual([]);
  });

  it('gives a notifier subscribed to `action` every action event, and a specific one only its own', async () => {
    const { logger } = memoryLogger();
    const all = new Recorder('all');
    const failed = new Recorder('failed');
    const router = new NotifyRouter([], logger).add(all, ['action']).add(failed, ['action.failed']);
    await router.send(notification({ event: 'action.awaiting_approval' }));
    await router.send(notification({ event: 'action.failed' }));
    await router.send(notification({ event: 'action.expired' }));
    expect(all.sent.map((n) => n.event)).toEqual([
      'action.awaiting_approval',
      'action.failed',
      'action.expired',
    ]);
    expect(failed.sent.map((n) => n.event)).toEqual(['action.failed']);
  });

  it('with a sink, writes each routed notification there (redacted) instead of sending it', async () => {
    const { logger } = memoryLogger();
    const ops = new Recorder('ops');
    const queued: [string, Notification][] = [];
    const router = new NotifyRouter([], logger, {
      sink: { enqueue: async (name, n) => void queued.push([name, n]) },
    }).add(ops, ['incident.opened']);
    const results = await router.send(notification({ message: 'password=hunter2' }));
    expect(results).toEqual([{ notifier: 'ops', ok: true, queued: true }]);
    expect(ops.sent).toHaveLength(0);
    expect(queued.map(([name]) => name)).toEqual(['ops']);
    expect(queued[0]![1].message).not.toContain('hunter2');
    expect(router.channel('ops')).toBe(ops);
  });

  it('sends directly when the sink cannot store the notification (rather than not at all)', async () => {
    const { logger, lines } = memoryLogger();
    const ops = new Recorder('ops');
    const router = new NotifyRouter([], logger, {
      sink: {
        enqueue: async () => {
          throw new Error('database is locked');
        },
      },
    }).add(ops, ['incident.opened']);
    expect(await router.send(notification())).toEqual([{ notifier: 'ops', ok: true }]);
    expect(ops.sent).toHaveLength(1);
    expect(lines.some((l) => l['msg'] === 'outbox write failed')).toBe(true);
  });

  it('routes a notification with a route to that notifier alone, and falls back to all on an unknown name', async () => {
    const { logger, lines } = memoryLogger();
    const team = new Recorder('team');
    const dba = new Recorder('dba-pager');
    const router = new NotifyRouter([], logger)
      .add(team, ['incident.escalated'])
      .add(dba, ['incident.opened']); // not subscribed: a named route reaches it anyway
    const escalated = notification({ event: 'incident.escalated' });
    expect(await router.send({ ...escalated, route: 'dba-pager' })).toEqual([
      { notifier: 'dba-pager', ok: true },
    ]);
    expect(team.sent).toHaveLength(0);
    expect(await router.send(escalated)).toEqual([{ notifier: 'team', ok: true }]);
    expect(await router.send({ ...escalated, route: 'nobody' })).toEqual([{ notifier: 'team', ok: true }]);
    expect(
      lines.some((l) => l['route'] === 'nobody' && /no notifier has this name/.test(String(l['msg']))),
    ).toBe(true);
  });

  it('builds notifiers from config with default events and names', async () => {
    const { logger, lines } = memoryLogger();
    const receiver = await startReceiver();
    receivers.push(receiver);
    const configs = [
      // Sent at once: this test is about routing, not grouping (group_wait 0).
      notifierSchema.parse({ log: {}, group_wait: 0, group_interval: 0 }),
      notifierSchema.parse({ webhook: { url: receiver.url }, events: ['incident.escalated'] }),
      notifierSchema.parse({ name: 'ops-log', log: {}, events: ['incident.escalated'] }),
    ];
    const router = new NotifyRouter(configs, logger);
    expect(router.names()).toEqual(['log', 'webhook', 'ops-log']);

    await router.send(notification());
    expect(receiver.received).toHaveLength(0);
    expect(lines.filter((l) => l['notifier'] === 'log')).toHaveLength(1);
    expect(lines[0]).toMatchObject({
      msg: 'api is down: health check failed 3 times',
      event: 'incident.opened',
    });

    const results = await router.send(notification({ event: 'incident.escalated' }));
    expect(results).toEqual([
      { notifier: 'log', ok: true },
      { notifier: 'webhook', ok: true },
      { notifier: 'ops-log', ok: true },
    ]);
    expect(receiver.received).toHaveLength(1);
  });

  it('logs a failing notifier, still delivers to the others, and never throws', async () => {
    const { logger, lines } = memoryLogger();
    const failing = await startReceiver((_req, res) => {
      res.statusCode = 500;
      res.end();
    });
    receivers.push(failing);
    const ok = new Recorder('ok');
    const broken: Notifier = {
      name: 'broken',
      send: () => Promise.reject(new Error('boom password=hunter2')),
    };
    const router = new NotifyRouter(
      [notifierSchema.parse({ webhook: { url: failing.url }, group_wait: 0, group_interval: 0 })],
      logger,
    )
      .add(broken, ['incident.opened'])
      .add(ok, ['incident.opened']);
    const results = await router.send(notification());
    expect(results).toEqual([
      { notifier: 'webhook', ok: false, error: expect.stringMatching(/HTTP 500/) },
      { notifier: 'broken', ok: false, error: 'boom password=***' },
      { notifier: 'ok', ok: true },
    ]);
    expect(ok.sent).toHaveLength(1);
    const errors = lines.filter((l) => l['msg'] === 'notify failed');
    // Deliveries run concurrently, so the log order is not fixed.
    expect(errors.map((l) => l['notifier']).sort()).toEqual(['broken', 'webhook']);
    expect(JSON.stringify(lines)).not.toContain('hunter2');
  });

  it('redacts secrets in title, message and data before sending', async () => {
    const { logger } = memoryLogger();
    const rec = new Recorder('rec');
    const router = new NotifyRouter([], logger).add(rec, ['incident.opened']);
    await router.send(
      notification({
        title: 'db down: postgres://app:s3cret@db:5432/app',
        message: 'restart ran with Authorization: Bearer abcdefghijklmnop',
        data: { argv: ['curl', '-H', 'token=xyz'] },
      }),
    );
    expect(rec.sent[0]).toMatchObject({
      title: 'db down: postgres://app:***@db:5432/app',
      message: 'restart ran with Authorization: Bearer ***',
      data: { argv: ['curl', '-H', 'token=***'] },
    });
  });
});
