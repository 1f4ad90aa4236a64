import { describe, expect, it } from 'vitest';
import { policySchema } from '../config/index.js';
import { backoffDelay, evaluateGuard, freshGuardState } from './guard.js';

const policy = policySchema.parse({ max_failed_heals: 3, backoff: { initial: '1s', factor: 2, max: '10s' } });
const base = {
  service: 'api',
  playbook: 'restart',
  autonomy: 'auto' as const,
  policy,
  state: null,
  recentRuns: 0,
  now: 1000,
};

describe('guard', () => {
  it('lets an auto heal run when nothing objects', () => {
    expect(evaluateGuard(base).verdict).toBe('run');
  });

  it('applies autonomy first, before any other rail', () => {
    const escalated = { ...freshGuardState('api', 0), escalated: true };
    expect(evaluateGuard({ ...base, autonomy: 'observe', state: escalated }).verdict).toBe('observe');
    expect(evaluateGuard({ ...base, autonomy: 'suggest' }).verdict).toBe('suggest');
  });

  it('denies during backoff and says when to retry', () => {
    const state = { ...freshGuardState('api', 0), failedHeals: 1, nextAllowedAt: 3000 };
    const d = evaluateGuard({ ...base, state });
    expect(d).toMatchObject({ verdict: 'deny', retryAt: 3000 });
    expect(d.reason).toContain('backing off');
    expect(evaluateGuard({ ...base, state, now: 3000 }).verdict).toBe('run');
  });

  it('denies an escalated service and enforces the rate limit', () => {
    expect(evaluateGuard({ ...base, state: { ...freshGuardState('api', 0), escalated: true } }).verdict).toBe(
      'deny',
    );
    expect(evaluateGuard({ ...base, recentRuns: policy.rate_limit.max_actions }).reason).toContain(
      'rate limit',
    );
  });

  it('asks a human only when the other rails allow, and dry-run changes nothing', () => {
    expect(evaluateGuard({ ...base, autonomy: 'approve' }).verdict).toBe('ask');
    expect(evaluateGuard({ ...base, autonomy: 'approve', recentRuns: 99 }).verdict).toBe('deny');
    expect(evaluateGuard({ ...base, policy: { ...policy, dry_run: true } }).verdict).toBe('dry_run');
  });

  it('grows the backoff exponentially up to the cap', () => {
    expect([1, 2, 3, 4, 5, 6].map((n) => backoffDelay(policy, n))).toEqual([
      1000, 2000, 4000, 8000, 10000, 10000,
    ]);
  });
});
