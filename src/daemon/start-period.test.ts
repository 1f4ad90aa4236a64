import { describe, expect, it } from 'vitest';
import { Bus } from '../core/index.js';
import { StartPeriods } from './start-period.js';

const T0 = 1_000_000;
const failed = { ok: false };
const passed = { ok: true };

function setUp(periodMs: number) {
  const bus = new Bus();
  const periods = new StartPeriods(bus, (s) => (s === 'app' ? periodMs : 0));
  const start = (at: number) => bus.emit('signal', { kind: 'start', service: 'app', at, pid: 42 });
  return { periods, start };
}

describe('a start period', () => {
  it('holds failures of a process still starting, and judges them once the period is over', () => {
    const { periods, start } = setUp(5_000);
    start(T0);
    expect(periods.admits('app', 'health', failed, T0 + 300)).toBe(false);
    expect(periods.admits('app', 'health', failed, T0 + 4_999)).toBe(false);
    expect(periods.admits('app', 'health', failed, T0 + 5_000)).toBe(true);
    expect(periods.admits('app', 'health', failed, T0 + 5_300)).toBe(true);
  });

  it("ends at a check's first pass for that check only: a bound port says nothing of /health warming up", () => {
    const { periods, start } = setUp(60_000);
    start(T0);
    expect(periods.admits('app', 'port', failed, T0 + 300)).toBe(false);
    expect(periods.admits('app', 'port', passed, T0 + 600)).toBe(true);
    expect(periods.admits('app', 'health', failed, T0 + 700)).toBe(false);
    expect(periods.admits('app', 'port', failed, T0 + 900)).toBe(true);
    expect(periods.admits('app', 'health', passed, T0 + 2_000)).toBe(true);
    expect(periods.admits('app', 'health', failed, T0 + 2_300)).toBe(true);
  });

  it('begins again with each start, and holds nothing without one or without a period', () => {
    const { periods, start } = setUp(5_000);
    expect(periods.admits('app', 'health', failed, T0)).toBe(true);
    start(T0);
    expect(periods.admits('app', 'health', passed, T0 + 100)).toBe(true);
    start(T0 + 10_000);
    expect(periods.admits('app', 'health', failed, T0 + 10_100)).toBe(false);
    expect(periods.admits('other', 'health', failed, T0 + 10_100)).toBe(true);
    const none = setUp(0);
    none.start(T0);
    expect(none.periods.admits('app', 'health', failed, T0 + 1)).toBe(true);
  });
});
