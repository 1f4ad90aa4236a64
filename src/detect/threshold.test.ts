import { describe, expect, it } from 'vitest';
import { HealthModel } from './health.js';
import { ThresholdDetector } from './threshold.js';

const ok = { ok: true, latencyMs: 5, message: 'ok' };
const fail = { ok: false, latencyMs: 5, message: 'connection refused' };
const slow = { ok: false, degraded: true, latencyMs: 900, message: 'slow' };

describe('ThresholdDetector', () => {
  it('goes down only after N consecutive failures and emits one finding', () => {
    const d = new ThresholdDetector('api', 'http', { downAfter: 3, upAfter: 2 });
    expect(d.observe(ok, 1).state).toBe('up');
    expect(d.observe(fail, 2).finding).toBeNull();
    expect(d.observe(ok, 3).state).toBe('up'); // a blip resets the count
    expect(d.observe(fail, 4).finding).toBeNull();
    expect(d.observe(fail, 5).finding).toBeNull();
    const v = d.observe(fail, 6);
    expect(v.state).toBe('down');
    expect(v.finding).toMatchObject({
      kind: 'down',
      service: 'api',
      check: 'http',
      severity: 'critical',
      at: 6,
    });
    expect(d.observe(fail, 7).finding).toBeNull(); // still down: no new finding
  });

  it('comes back up only after M consecutive successes', () => {
    const d = new ThresholdDetector('api', 'http', { downAfter: 1, upAfter: 2 });
    d.observe(fail, 1);
    expect(d.observe(ok, 2).state).toBe('down');
    expect(d.observe(fail, 3).state).toBe('down');
    expect(d.observe(ok, 4).state).toBe('down');
    expect(d.observe(ok, 5).state).toBe('up');
  });

  it('reports degraded answers as a degraded finding', () => {
    const d = new ThresholdDetector('api', 'http', { downAfter: 2, upAfter: 1 });
    d.observe(slow, 1);
    const v = d.observe(slow, 2);
    expect(v.state).toBe('degraded');
    expect(v.finding?.kind).toBe('degraded');
  });
});

describe('HealthModel', () => {
  it('takes the worst check state and reports each change once', () => {
    const m = new HealthModel();
    m.define('api', [
      { name: 'http', opts: { downAfter: 1, upAfter: 1 } },
      { name: 'process', opts: { downAfter: 1, upAfter: 1 } },
    ]);
    expect(m.observe('api', 'http', ok, 1)?.change).toBeNull(); // process still unknown
    expect(m.force('api', 'process', 'up', 2, 'started', {})?.change).toMatchObject({
      from: 'unknown',
      to: 'healthy',
    });
    const crash = m.force('api', 'process', 'down', 3, 'exited with code 1', { code: 1 });
    expect(crash?.finding?.kind).toBe('down');
    expect(crash?.change).toMatchObject({ from: 'healthy', to: 'down' });
    expect(m.get('api')).toBe('down');
  });
});
