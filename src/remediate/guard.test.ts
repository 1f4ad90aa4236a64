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

  it('applies the rails in DESIGN.md order: the first that says no wins', () => {
    const all = {
      ...base,
      stop: { stopped: true, actor: 'alice', reason: 'freeze', at: 0 },
      maintenance: { name: 'nightly', closes: 5000 },
      silence: {
        id: 'sil_1',
        matchers: [],
        startsAt: 0,
        endsAt: 9000,
        createdBy: 'bob',
        comment: '',
        createdAt: 0,
      },
      confidence: { value: 0.5, why: 'confidence 0.50' },
      state: { ...freshGuardState('api', 0), escalated: true },
      recentRuns: 99,
      inFlight: 99,
    };
    const order: string[] = [];
    let input: Parameters<typeof evaluateGuard>[0] = all;
    for (;;) {
      const d = evaluateGuard(input);
      order.push(d.rail);
      if (d.rail === 'stop_switch') input = { ...input, stop: null };
      else if (d.rail === 'maintenance') input = { ...input, maintenance: null };
      else if (d.rail === 'silence') input = { ...input, silence: null };
      else if (d.rail === 'escalated') input = { ...input, state: null };
      else if (d.rail === 'rate_limit') input = { ...input, recentRuns: 0 };
      else if (d.rail === 'blast_radius') input = { ...input, inFlight: 0 };
      else if (d.rail === 'confidence') input = { ...input, confidence: { value: 0.9, why: 'x' } };
      else break;
    }
    expect(order).toEqual([
      'stop_switch',
      'maintenance',
      'silence',
      'escalated',
      'rate_limit',
      'blast_radius',
      'confidence',
      'none',
    ]);
    expect(evaluateGuard({ ...all, autonomy: 'observe' }).rail).toBe('autonomy');
  });

  it('retries after a maintenance window or a silence, never after a stop', () => {
    expect(evaluateGuard({ ...base, maintenance: { name: 'n', closes: 7000 } })).toMatchObject({
      verdict: 'deny',
      retryAt: 7000,
    });
    const stop = evaluateGuard({ ...base, stop: { stopped: true, actor: 'a', reason: '', at: 0 } });
    expect(stop).toMatchObject({ verdict: 'deny', rail: 'stop_switch' });
    expect(stop.retryAt).toBeUndefined();
    expect(evaluateGuard({ ...base, stop: { stopped: false, actor: 'a', reason: '', at: 0 } }).verdict).toBe(
      'run',
    );
  });

  it("asks a human below the confidence threshold, with the learner's reason", () => {
    const d = evaluateGuard({ ...base, confidence: { value: 0.71, why: 'confidence 0.71 (learned)' } });
    expect(d).toMatchObject({ verdict: 'ask', rail: 'confidence' });
    expect(d.reason).toBe('confidence 0.71 (learned) is below the threshold 0.85: waiting for a human');
    expect(evaluateGuard({ ...base, confidence: { value: 0.85, why: 'c' } }).verdict).toBe('run');
    // Below the threshold but the rate limit already says no: nobody is asked.
    expect(evaluateGuard({ ...base, confidence: { value: 0.1, why: 'c' }, recentRuns: 99 }).rail).toBe(
      'rate_limit',
    );
  });

  it('limits the blast radius: actions in flight and targets per playbook', () => {
    const k = policy.blast_radius.max_in_flight;
    expect(evaluateGuard({ ...base, inFlight: k - 1 }).verdict).toBe('run');
    expect(evaluateGuard({ ...base, inFlight: k })).toMatchObject({ verdict: 'deny', retryAt: 6000 });
    const m = policy.blast_radius.max_targets_per_playbook;
    const others = Array.from({ length: m }, (_, i) => `svc${i}`);
    expect(evaluateGuard({ ...base, playbookTargets: others }).reason).toContain(
      `already ran on ${m} targets`,
    );
    // A target it already touched is not a new one.
    expect(evaluateGuard({ ...base, playbookTargets: [...others.slice(1), 'api'] }).verdict).toBe('run');
  });
});
