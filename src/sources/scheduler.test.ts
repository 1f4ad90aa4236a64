import { describe, expect, it } from 'vitest';
import type { CheckConfig } from '../config/index.js';
import { type ProbeResult, RealClock, SimulatedClock } from '../core/index.js';
import { type ScheduledCheck, Scheduler } from './scheduler.js';

const cfg = (interval: number, timeout: number, port = 1): CheckConfig =>
  ({ interval, timeout, down_after: 2, up_after: 1, tcp: { host: '127.0.0.1', port } }) as CheckConfig;

const sc = (service: string, name: string, config: CheckConfig): ScheduledCheck => ({
  service,
  name,
  config,
});

const OK: ProbeResult = { ok: true, latencyMs: 0, message: 'ok' };

/** A scheduler on a simulated clock, recording when each run started and each result arrived. */
function harness(
  run?: (c: ScheduledCheck, signal: AbortSignal, clock: SimulatedClock) => Promise<ProbeResult>,
) {
  const clock = new SimulatedClock(0);
  const starts: { key: string; at: number }[] = [];
  const results: { key: string; r: ProbeResult; at: number }[] = [];
  let active = 0;
  let maxActive = 0;
  const scheduler = new Scheduler({
    clock,
    jitter: 0,
    run: async (c, signal) => {
      starts.push({ key: `${c.service}/${c.name}`, at: clock.now() });
      active++;
      maxActive = Math.max(maxActive, active);
      try {
        return run ? await run(c, signal, clock) : OK;
      } finally {
        active--;
      }
    },
    onResult: (c, r, at) => results.push({ key: `${c.service}/${c.name}`, r, at }),
  });
  return { clock, scheduler, starts, results, maxActive: () => maxActive };
}

const startTimes = (starts: { key: string; at: number }[], key: string) =>
  starts.filter((s) => s.key === key).map((s) => s.at);

describe('Scheduler', () => {
  it('runs each check at its interval', async () => {
    const h = harness();
    h.scheduler.setChecks([sc('api', 'http', cfg(1000, 500)), sc('db', 'tcp', cfg(3000, 500))]);
    h.scheduler.start();
    await h.clock.advance(6500);
    expect(startTimes(h.starts, 'api/http')).toEqual([0, 1000, 2000, 3000, 4000, 5000, 6000]);
    expect(startTimes(h.starts, 'db/tcp')).toEqual([0, 3000, 6000]);
    expect(h.results).toHaveLength(10);
    h.scheduler.stop();
    expect(h.clock.pending()).toBe(0);
  });

  it('spreads runs within the jitter window', async () => {
    const clock = new SimulatedClock(0);
    const starts: number[] = [];
    const scheduler = new Scheduler({
      clock,
      jitter: 0.1,
      random: () => 1,
      run: async () => {
        starts.push(clock.now());
        return OK;
      },
      onResult: () => {},
    });
    scheduler.setChecks([sc('api', 'http', cfg(1000, 500))]);
    scheduler.start();
    await clock.advance(2300);
    // First at +10% of the interval, then every interval +10%.
    expect(starts).toEqual([100, 1200, 2300]);
    scheduler.stop();
  });

  it('never overlaps a run that is slower than the interval', async () => {
    const h = harness(async (_c, signal, clock) => {
      await clock.sleep(2500, signal);
      return OK;
    });
    h.scheduler.setChecks([sc('api', 'slow', cfg(1000, 10_000))]);
    h.scheduler.start();
    await h.clock.advance(10_000);
    expect(h.maxActive()).toBe(1);
    expect(startTimes(h.starts, 'api/slow')).toEqual([0, 2500, 5000, 7500, 10_000]);
    h.scheduler.stop();
  });

  it('aborts a run at its timeout on the simulated clock', async () => {
    const h = harness(
      (_c, signal) =>
        new Promise((_resolve, reject) => signal.addEventListener('abort', () => reject(signal.reason))),
    );
    h.scheduler.setChecks([sc('api', 'hang', cfg(1000, 300))]);
    h.scheduler.start();
    await h.clock.advance(299);
    expect(h.results).toHaveLength(0);
    expect(h.scheduler.stats().inFlight).toBe(1);
    await h.clock.advance(1);
    expect(h.results).toEqual([
      { key: 'api/hang', r: { ok: false, latencyMs: 300, message: 'timed out after 300ms' }, at: 300 },
    ]);
    await h.clock.advance(1000);
    expect(startTimes(h.starts, 'api/hang')).toEqual([0, 1000]);
    h.scheduler.stop();
  });

  it('turns a probe that throws into a failed result', async () => {
    const h = harness(async () => {
      throw new Error('probe exploded');
    });
    h.scheduler.setChecks([sc('api', 'x', cfg(1000, 500))]);
    await h.scheduler.runNow();
    expect(h.results[0]?.r).toMatchObject({ ok: false, message: 'probe exploded' });
  });

  it('runNow runs the matching checks and awaits them, joining one already in flight', async () => {
    let runs = 0;
    const h = harness(async (_c, signal, clock) => {
      runs++;
      await clock.sleep(100, signal);
      return OK;
    });
    h.scheduler.setChecks([sc('api', 'a', cfg(1000, 500)), sc('db', 'b', cfg(1000, 500))]);
    let done = 0;
    const first = h.scheduler.runNow({ service: 'api' }).then(() => done++);
    const second = h.scheduler.runNow({ service: 'api' }).then(() => done++);
    await h.clock.advance(50);
    expect(done).toBe(0);
    expect(h.scheduler.stats()).toMatchObject({ checks: 2, inFlight: 1 });
    await h.clock.advance(50);
    await Promise.all([first, second]);
    expect(runs).toBe(1);
    expect(h.results.map((r) => r.key)).toEqual(['api/a']);
    // Not started: runNow does not schedule anything after itself.
    expect(h.clock.pending()).toBe(0);
  });

  it('runNow on a started scheduler restarts the cadence from the run', async () => {
    const h = harness();
    h.scheduler.setChecks([sc('api', 'a', cfg(1000, 500))]);
    h.scheduler.start();
    await h.clock.advance(400);
    await h.scheduler.runNow();
    await h.clock.advance(1000);
    expect(startTimes(h.starts, 'api/a')).toEqual([0, 400, 1400]);
    h.scheduler.stop();
  });

  it('setChecks keeps the timing of unchanged checks and reschedules changed ones', async () => {
    const h = harness();
    h.scheduler.setChecks([sc('api', 'a', cfg(1000, 500)), sc('api', 'b', cfg(1000, 500))]);
    h.scheduler.start();
    await h.clock.advance(600);
    // a: same config in a fresh object; b: changed; c: new.
    h.scheduler.setChecks([
      sc('api', 'a', cfg(1000, 500)),
      sc('api', 'b', cfg(2000, 500)),
      sc('db', 'c', cfg(1000, 500)),
    ]);
    await h.clock.advance(2000);
    expect(startTimes(h.starts, 'api/a')).toEqual([0, 1000, 2000]);
    expect(startTimes(h.starts, 'api/b')).toEqual([0, 600, 2600]);
    expect(startTimes(h.starts, 'db/c')).toEqual([600, 1600, 2600]);
    h.scheduler.setChecks([]);
    await h.clock.advance(5000);
    expect(h.starts).toHaveLength(9);
    expect(h.scheduler.stats().checks).toBe(0);
  });

  it('stop aborts runs in flight and drops their results', async () => {
    let aborted = false;
    const h = harness(
      (_c, signal) =>
        new Promise((_resolve, reject) =>
          signal.addEventListener('abort', () => {
            aborted = true;
            reject(signal.reason);
          }),
        ),
    );
    h.scheduler.setChecks([sc('api', 'hang', cfg(1000, 900))]);
    h.scheduler.start();
    await h.clock.advance(100);
    h.scheduler.stop();
    await h.clock.advance(5000);
    expect(aborted).toBe(true);
    expect(h.results).toHaveLength(0);
    expect(h.starts).toHaveLength(1);
    expect(h.scheduler.stats().inFlight).toBe(0);
  });

  it('reports lag: how late a run started against when it was due', async () => {
    const h = harness();
    h.scheduler.setChecks([sc('api', 'a', cfg(1000, 500))]);
    h.scheduler.start();
    await h.clock.advance(3000);
    expect(h.scheduler.stats()).toEqual({
      checks: 1,
      runs: h.results.length,
      inFlight: 0,
      lagP50Ms: 0,
      lagP99Ms: 0,
      lastLagMs: 0,
    });
    expect(h.results.length).toBeGreaterThanOrEqual(3);
    h.scheduler.stop();
  });

  it('measures lag when the event loop was busy at the due time', async () => {
    const clock = new RealClock();
    let ran: () => void = () => {};
    const done = new Promise<void>((r) => (ran = r));
    const scheduler = new Scheduler({
      clock,
      jitter: 0,
      run: async () => OK,
      onResult: () => ran(),
    });
    scheduler.setChecks([sc('api', 'a', cfg(60_000, 500))]);
    scheduler.start();
    const blockUntil = Date.now() + 80;
    while (Date.now() < blockUntil) {
      // Hold the event loop past the due time.
    }
    await done;
    scheduler.stop();
    expect(scheduler.stats().lastLagMs).toBeGreaterThanOrEqual(70);
    expect(scheduler.stats().lagP99Ms).toBe(scheduler.stats().lastLagMs);
  });
});
