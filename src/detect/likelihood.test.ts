import { describe, expect, it } from 'vitest';
import { AnomalyLikelihood, normalTail } from './likelihood.js';
import { gaussian } from './synthetic.fixture.js';

describe('normalTail', () => {
  it('matches the normal distribution far into the tail', () => {
    expect(normalTail(0)).toBeCloseTo(0.5, 6);
    expect(normalTail(1.959964)).toBeCloseTo(0.025, 6);
    expect(normalTail(-1.959964)).toBeCloseTo(0.975, 6);
    // Q(6) = 9.8659e-10: relative accuracy, not absolute.
    expect(normalTail(6) / 9.8659e-10).toBeCloseTo(1, 4);
  });
});

describe('AnomalyLikelihood', () => {
  it('says nothing during learning and estimation, then scores the usual low and a burst high', () => {
    const l = new AnomalyLikelihood({ learning: 100, estimation: 100, average: 10, period: 50 });
    const g = gaussian(4);
    const raw = (i: number) => (i >= 1500 && i < 1510 ? 1 : Math.max(0, 0.1 + 0.03 * g()));
    const out = Array.from({ length: 2000 }, (_, i) => l.push(raw(i)));
    expect(Math.max(...out.slice(0, 199))).toBe(0);
    expect(Math.max(...out.slice(300, 1500))).toBeLessThan(0.5);
    expect(Math.max(...out.slice(1500, 1510))).toBeGreaterThan(0.9);
  });

  it('alarms once per run of very unlikely samples (the rest at 1e-3)', () => {
    const l = new AnomalyLikelihood({ learning: 0, estimation: 100, period: 100 });
    const g = gaussian(8);
    const out = Array.from({ length: 1000 }, (_, i) => l.push(i >= 800 ? 1 : Math.max(0, 0.1 + 0.02 * g())));
    const high = out.filter((s) => s > 0.5).length;
    expect(high).toBe(1);
    expect(out[850]).toBeCloseTo(Math.log(1e-3) / Math.log(1e-10), 3);
  });

  it('judges the same burst by the series: a busy raw score needs more than a quiet one', () => {
    const run = (spread: number) => {
      const l = new AnomalyLikelihood({ learning: 0, estimation: 100, period: 100 });
      const g = gaussian(2);
      let s = 0;
      for (let i = 0; i < 1000; i++) s = l.push(Math.min(1, Math.max(0, 0.2 + spread * g())));
      for (let i = 0; i < 3; i++) s = l.push(0.6);
      return s;
    };
    expect(run(0.02)).toBeGreaterThan(run(0.2));
  });

  it('holds the long window as per-period sums: state does not grow with it', () => {
    const l = new AnomalyLikelihood({ history: 8640, period: 100 });
    expect(l.byteLength).toBeLessThan(3000);
  });
});
