import { describe, expect, it } from 'vitest';
import type { MedicConfig } from '../config/index.js';
import type { Finding } from '../core/index.js';
import { backlogOf, dropsBacklog } from './backlog.js';
import type { PlannedStep } from './run.js';

const config = {
  services: {
    broker: {
      checks: [
        { tcp: { host: '127.0.0.1', port: 1 } },
        { queue: { url: 'redis://127.0.0.1:1/0', key: 'jobs', depth: { down: 50 } } },
      ],
    },
  },
} as unknown as MedicConfig;

const finding = (check: string, details: Record<string, unknown>): Finding => ({
  id: 'fnd_1',
  service: 'broker',
  check,
  kind: 'down',
  severity: 'critical',
  score: 1,
  summary: '',
  evidence: { lastResult: { ok: false, latencyMs: 1, message: '', details } },
  at: 0,
});

const restart = (target: string) =>
  [{ plan: { kind: 'restart', target, params: {}, description: '' }, step: {} }] as unknown as PlannedStep[];

describe('a heal that would drop a backlog', () => {
  it('is a queue check that read its depth, on the service restarted', () => {
    const backlog = finding('queue-1', { queue: 'jobs', depth: 200 });
    expect(backlogOf(config, backlog)).toEqual({ queue: 'jobs', depth: 200 });
    expect(dropsBacklog(config, backlog, restart('broker'))).toMatch(/200 waiting in jobs/);
    // Another service restarted (the consumer) is the heal a backlog wants.
    expect(dropsBacklog(config, backlog, restart('worker'))).toBeNull();
  });

  it('is not a queue server that cannot be read, nor another kind of check', () => {
    expect(backlogOf(config, finding('queue-1', { queue: 'jobs' }))).toBeNull();
    expect(backlogOf(config, finding('tcp', { depth: 3 }))).toBeNull();
    expect(dropsBacklog(config, finding('tcp', {}), restart('broker'))).toBeNull();
  });
});
