import { describe, expect, it } from 'vitest';
import { SimulatedClock } from '../core/index.js';
import type { Notification, Notifier } from './notifier.js';
import { memoryLogger, notification } from './notify.fixture.js';
import { NotifyRouter } from './router.js';

class Recorder implements Notifier {
  readonly sent: Notification[] = [];
  readonly name = 'rec';
  async send(n: Notification): Promise<void> {
    this.sent.push(n);
  }
}

describe('NotifyRouter throttling (simulated time)', () => {
  it('groups within group_wait, then waits group_interval, and drops repeats within repeat_interval', async () => {
    const clock = new SimulatedClock();
    const rec = new Recorder();
    const router = new NotifyRouter([], memoryLogger().logger, { clock }).add(rec, ['incident.opened'], {
      groupWait: 10_000,
      groupInterval: 60_000,
      repeatInterval: 3_600_000,
    });
    const n = (id: string) =>
      notification({
        event: 'incident.opened',
        service: 'api',
        incidentId: id,
        title: `api ${id}`,
        message: id,
      });
    expect(await router.send(n('a'))).toEqual([{ notifier: 'rec', ok: true, deferred: true }]);
    await clock.advance(5_000);
    await router.send(n('b'));
    expect(rec.sent).toHaveLength(0);
    await clock.advance(5_000);
    expect(rec.sent).toHaveLength(1);
    expect(rec.sent[0]).toMatchObject({ title: 'api b (+1 more)', message: 'a\nb' });
    expect(rec.sent[0]?.data['grouped']).toHaveLength(2);
    // The same notification again within repeat_interval: dropped.
    expect(await router.send(n('a'))).toEqual([{ notifier: 'rec', ok: true, dropped: true }]);
    // A new one waits for group_interval after the last send.
    await router.send(n('c'));
    await clock.advance(59_000);
    expect(rec.sent).toHaveLength(1);
    await clock.advance(1_000);
    expect(rec.sent.map((s) => s.title)).toEqual(['api b (+1 more)', 'api c']);
  });

  it('forgets a send once its repeat_interval is over: the repeat map stays as small as the interval', async () => {
    const clock = new SimulatedClock();
    const rec = new Recorder();
    const router = new NotifyRouter([], memoryLogger().logger, { clock })
      .add(rec, ['incident.opened'], { repeatInterval: 60_000 })
      .add({ name: 'plain', send: async () => {} }, ['incident.opened']);
    // Distinct notices, one a second: at most a minute's worth remembered (none by the route without one).
    for (let i = 0; i < 10_000; i++) {
      await router.send(notification({ event: 'incident.opened', service: 'api', message: `n${i}` }));
      await clock.advance(1000);
    }
    expect(rec.sent).toHaveLength(10_000);
    expect(router.remembered()).toBeLessThanOrEqual(60);
    // Still a repeat within the interval, and sent again once it is over.
    const same = notification({ event: 'incident.opened', service: 'api', message: 'same' });
    await router.send(same);
    await clock.advance(59_000);
    expect((await router.send(same))[0]).toMatchObject({ dropped: true });
    await clock.advance(1000);
    expect((await router.send(same))[0]).toMatchObject({ ok: true });
    expect(rec.sent.at(-1)?.message).toBe('same');
  });

  it('matches services and a minimum severity', async () => {
    const rec = new Recorder();
    const router = new NotifyRouter([], memoryLogger().logger).add(rec, ['incident.opened'], {
      match: { services: ['db'], severity: 'critical' },
    });
    await router.send(
      notification({ event: 'incident.opened', service: 'api', data: { severity: 'critical' } }),
    );
    await router.send(
      notification({ event: 'incident.opened', service: 'db', data: { severity: 'warning' } }),
    );
    await router.send(
      notification({ event: 'incident.opened', service: 'db', data: { severity: 'critical' } }),
    );
    expect(rec.sent).toHaveLength(1);
  });
});
