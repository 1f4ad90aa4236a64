import pino from 'pino';
import { describe, expect, it } from 'vitest';
import { SimulatedClock } from '../core/index.js';
import { HealScheduler } from './scheduler.js';

function scheduler() {
  const clock = new SimulatedClock();
  const log: string[] = [];
  const s = new HealScheduler(
    { clock, logger: pino({ level: 'silent' }), health: () => 'down' },
    new AbortController().signal,
    async (service) => {
      log.push(`decide ${service}`);
    },
  );
  return { clock, log, s };
}

const gate = () => {
  let open!: () => void;
  const p = new Promise<void>((r) => {
    open = r;
  });
  return { p, open };
};

describe('HealScheduler', () => {
  it('reserves the service synchronously when work is tracked', async () => {
    const { s } = scheduler();
    const g = gate();
    void s.track('api', () => g.p);
    expect(s.busy('api')).toBe(true);
    g.open();
    await s.idle();
    expect(s.busy('api')).toBe(false);
  });

  it('runs exclusive work (reconciliation) after the heal running, and no decision starts beside it', async () => {
    const { clock, log, s } = scheduler();
    const heal = gate();
    const rec = gate();
    void s.track('api', async () => {
      log.push('heal start');
      await heal.p;
      log.push('heal end');
    });
    const done = s.exclusive('api', async () => {
      log.push('reconcile start');
      await rec.p;
      log.push('reconcile end');
    });
    await new Promise((r) => setTimeout(r, 10));
    expect(log).toEqual(['heal start']); // waits for the heal
    heal.open();
    await new Promise((r) => setTimeout(r, 10));
    expect(log).toEqual(['heal start', 'heal end', 'reconcile start']);
    expect(s.busy('api')).toBe(true);
    s.schedule('api', 0); // a fresh decision while reconciling: it must not start beside it
    await clock.advance(1);
    expect(log).not.toContain('decide api');
    expect(s.waiting('api')).toBe(true); // still due: never dropped
    rec.open();
    await done;
    await new Promise((r) => setTimeout(r, 10));
    await s.idle();
    // It runs once the reconciliation is over, and only then.
    expect(log).toEqual(['heal start', 'heal end', 'reconcile start', 'reconcile end', 'decide api']);
    expect(s.busy('api')).toBe(false);
    expect(s.waiting('api')).toBe(false);
  });

  it('brings a pending decision forward when sooner, never a retry of one playbook', async () => {
    const { clock, log, s } = scheduler();
    s.schedule('api', 10_000); // a probe's grace
    expect(s.sooner('api', 20_000)).toBe(false); // later: kept
    expect(s.sooner('api', 0)).toBe(true); // the process found dead: now
    await clock.advance(1);
    await s.idle();
    expect(log).toEqual(['decide api']);
    s.schedule('db', 5_000, 'restart-db'); // a back-off's retry
    expect(s.sooner('db', 0)).toBe(false);
    expect(s.sooner('cache', 0)).toBe(false); // nothing pending
    await clock.advance(4_000);
    expect(log).toEqual(['decide api']);
    await clock.advance(1_000);
    await s.idle();
    expect(log).toEqual(['decide api', 'decide db']);
  });
});
