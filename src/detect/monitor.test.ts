import { describe, expect, it } from 'vitest';
import { detectSchema } from '../config/index.js';
import { AnomalyMonitor } from './monitor.js';
import { detectors } from './registry.js';
import { gaussian, T0 } from './synthetic.fixture.js';

/** The first finding on 300 samples of noise then a spike of 100 spreads (the detector scores it 1). */
function spikeFinding(severity?: 'info' | 'warning' | 'critical') {
  const g = gaussian(3);
  const m = new AnomalyMonitor('api', 'latency_ms', detectors.get('robust-z')(), {
    threshold: 0.65,
    ...(severity ? { severity } : {}),
  });
  for (let i = 0; i < 310; i++) {
    const r = m.observe(T0 + i * 1000, i === 300 ? 150 : 50 + g());
    if (r.finding) return r.finding;
  }
  return null;
}

describe('an anomaly finding', () => {
  it('is a warning by default, however high its score: a series unlike its past is a sign', () => {
    const f = spikeFinding();
    expect(f).toMatchObject({ kind: 'anomaly', severity: 'warning', at: T0 + 300_000 });
    expect(f!.score).toBeGreaterThanOrEqual(0.9);
  });

  it('takes the severity its detect entry names, and the entry defaults to warning', () => {
    expect(spikeFinding('critical')).toMatchObject({ severity: 'critical' });
    expect(detectSchema.parse({ metric: 'latency' }).severity).toBe('warning');
    expect(() => detectSchema.parse({ metric: 'latency', severity: 'page' })).toThrow();
  });
});
