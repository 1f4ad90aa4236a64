import { describe, expect, it } from 'vitest';
import { HealthModel, PROCESS_CHECK } from './health.js';

const ok = { ok: true, latencyMs: 1, message: 'ok' };
const fail = { ok: false, latencyMs: 1, message: 'connect ECONNREFUSED' };

describe('HealthModel.lastFailedAt', () => {
  it('marks the last time a service failed, through its restart, until it is healthy again', () => {
    const h = new HealthModel();
    h.define('cache', [
      { name: PROCESS_CHECK, opts: { downAfter: 1, upAfter: 1 } },
      { name: 'port', opts: { downAfter: 2, upAfter: 1 } },
    ]);
    h.observe('cache', PROCESS_CHECK, ok, 1_000);
    h.observe('cache', 'port', ok, 1_000);
    expect(h.get('cache')).toBe('healthy');
    // A first start (unknown before healthy) is no failure.
    expect(h.lastFailedAt('cache')).toBeUndefined();
    // One failed probe short of down_after is no failure of the service either.
    h.observe('cache', 'port', fail, 1_500);
    expect(h.lastFailedAt('cache')).toBeUndefined();
    h.observe('cache', 'port', ok, 1_600);

    // Killed and restarted between two probes: no probe failed, yet it was gone until its checks passed.
    h.force('cache', PROCESS_CHECK, 'down', 2_000, 'cache killed by SIGKILL', {});
    expect(h.lastFailedAt('cache')).toBe(2_000);
    h.reset('cache', PROCESS_CHECK);
    h.force('cache', PROCESS_CHECK, 'up', 2_100, 'cache started', {});
    expect(h.get('cache')).toBe('unknown');
    expect(h.lastFailedAt('cache')).toBe(2_100);
    h.observe('cache', 'port', ok, 3_500);
    expect(h.get('cache')).toBe('healthy');
    expect(h.lastFailedAt('cache')).toBe(3_500);
    // Healthy since: the mark stays where it was.
    h.observe('cache', 'port', ok, 4_500);
    expect(h.lastFailedAt('cache')).toBe(3_500);
    h.remove('cache');
    expect(h.lastFailedAt('cache')).toBeUndefined();
  });
});
