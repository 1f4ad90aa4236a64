import { describe, expect, it } from 'vitest';
import { Bus, SimulatedClock } from '../core/index.js';
import { type CheckCycle, LoopProgress, MIN_STALL_MS, stallLimit } from './heartbeat-progress.js';

function probe(bus: Bus, at: number): void {
  bus.emit('signal', {
    kind: 'probe',
    service: 'api',
    check: 'http',
    at,
    result: { ok: true, latencyMs: 1, message: 'ok' },
  });
}

describe('stallLimit', () => {
  it('is a few cycles of the fastest check, never under the floor, and none without checks', () => {
    expect(stallLimit([])).toBeNull();
    expect(stallLimit([{ interval: 500, timeout: 400 }])).toBe(MIN_STALL_MS);
    const slow: CheckCycle = { interval: 60_000, timeout: 5_000 };
    expect(stallLimit([slow])).toBeCloseTo(3 * (66_000 + 5_000));
    expect(stallLimit([slow, { interval: 10_000, timeout: 5_000 }])).toBeCloseTo(3 * 16_000);
  });
});

describe('LoopProgress', () => {
  const cases: {
    name: string;
    checks: CheckCycle[];
    /** [ms after start, event] in order. */
    script: [number, 'probe' | 'store-down' | 'store-up'][];
    at: number;
    stalled: RegExp | null;
  }[] = [
    {
      name: 'fresh start, results flowing',
      checks: [{ interval: 1_000, timeout: 500 }],
      script: [[800, 'probe']],
      at: 5_000,
      stalled: null,
    },
    {
      name: 'probe loop silent past the limit',
      checks: [{ interval: 1_000, timeout: 500 }],
      script: [[800, 'probe']],
      at: 800 + MIN_STALL_MS + 1,
      stalled: /^no probe result judged for 1\ds/,
    },
    { name: 'no checks: the store alone', checks: [], script: [], at: 600_000, stalled: null },
    {
      name: 'store not written',
      checks: [],
      script: [[1_000, 'store-down']],
      at: 2_000,
      stalled: /store has not taken a write/,
    },
    {
      name: 'store back, results flowing',
      checks: [{ interval: 1_000, timeout: 500 }],
      script: [
        [1_000, 'store-down'],
        [3_000, 'probe'],
        [4_000, 'store-up'],
      ],
      at: 5_000,
      stalled: null,
    },
  ];

  for (const c of cases) {
    it(c.name, async () => {
      const clock = new SimulatedClock();
      const bus = new Bus();
      const store = { ok: true };
      const start = clock.now();
      const progress = new LoopProgress({
        clock,
        bus,
        storeWritable: () => store.ok,
        checks: () => c.checks,
      });
      progress.start();
      for (const [t, ev] of c.script) {
        await clock.advance(start + t - clock.now());
        if (ev === 'probe') probe(bus, clock.now());
        else store.ok = ev === 'store-up';
      }
      await clock.advance(start + c.at - clock.now());
      const got = progress.stalled();
      if (c.stalled === null) expect(got).toBeNull();
      else expect(got).toMatch(c.stalled);
      progress.stop();
    });
  }

  it('other signals are not the probe loop turning', async () => {
    const clock = new SimulatedClock();
    const bus = new Bus();
    const progress = new LoopProgress({
      clock,
      bus,
      storeWritable: () => true,
      checks: () => [{ interval: 1_000, timeout: 500 }],
    });
    progress.start();
    for (let t = 0; t < 20; t++) {
      await clock.advance(1_000);
      bus.emit('signal', { kind: 'start', service: 'api', at: clock.now(), pid: 1 });
    }
    expect(progress.stalled()).toMatch(/no probe result/);
    probe(bus, clock.now());
    expect(progress.stalled()).toBeNull();
  });
});
