import { describe, expect, it } from 'vitest';
import { policySchema } from '../config/index.js';
import { type Outcome, SimulatedClock } from '../core/index.js';
import type { Store } from '../store/index.js';
import { decay, explain, Learner, perIncident, posterior } from './learner.js';
import { summarizeOutcomes } from './outcomes.js';

const policy = policySchema.parse({}).learning;
const DAY = 86_400_000;
const fail = (at: number) => ({ success: false, at });
const ok = (at: number) => ({ success: true, at });

describe('the learner (Beta posterior)', () => {
  it('starts at the diagnosis confidence and moves with outcomes', () => {
    expect(posterior(1, [], 0, policy).confidence).toBe(1);
    expect(posterior(0.9, [], 0, policy).confidence).toBeCloseTo(0.9);
    const fails = (n: number) =>
      posterior(
        1,
        Array.from({ length: n }, () => fail(0)),
        0,
        policy,
      ).confidence;
    expect(fails(2)).toBeCloseTo(12 / 14); // still runs at the default threshold
    expect(fails(2)).toBeGreaterThanOrEqual(0.85);
    expect(fails(3)).toBeLessThan(0.85);
    expect(fails(5)).toBeCloseTo(12 / 17);
    // Successes earn trust back: 0.8 diagnosis + 4 successes reaches the threshold.
    const earned = posterior(0.8, [ok(0), ok(0), ok(0), ok(0)], 0, policy);
    expect(earned.confidence).toBeCloseTo((9.6 + 4) / 16);
    expect(earned.confidence).toBeGreaterThanOrEqual(0.85);
  });

  it('forgets with a half life, in simulated time', async () => {
    expect(decay(0, DAY)).toBe(1);
    expect(decay(DAY, DAY)).toBeCloseTo(0.5);
    const clock = new SimulatedClock(Date.UTC(2026, 0, 1));
    const outcomes: Outcome[] = Array.from({ length: 5 }, (_, i) => ({
      incidentId: null,
      service: 'api',
      cause: 'crash',
      playbook: 'restart',
      success: false,
      healMs: null,
      at: clock.now() - i,
    }));
    const store = { listOutcomesBy: async () => outcomes } as unknown as Store;
    const learner = new Learner(store, clock, () => policy);
    const fresh = await learner.assess('crash', 'restart', 1);
    expect(fresh.confidence).toBeCloseTo(12 / 17, 3);
    await clock.advance(policy.half_life);
    expect((await learner.assess('crash', 'restart', 1)).confidence).toBeCloseTo(12 / 14.5, 3);
    await clock.advance(9 * policy.half_life);
    expect((await learner.assess('crash', 'restart', 1)).confidence).toBeGreaterThan(0.99);
    expect(explain(fresh)).toBe('confidence 0.71 (diagnosis 1.00; 0 of 5 past incidents healed by it)');
  });

  it('ranks candidates by learned confidence, ties in config order', async () => {
    const history: Record<string, Outcome[]> = {
      restart: [false, false, false].map((success, i) => ({
        incidentId: null,
        service: 'api',
        cause: 'crash',
        playbook: 'restart',
        success,
        healMs: null,
        at: i,
      })),
    };
    const store = {
      listOutcomesBy: async (f: { playbook: string }) => history[f.playbook] ?? [],
    } as unknown as Store;
    const learner = new Learner(store, new SimulatedClock(10), () => policy);
    const ranked = await learner.rank('crash', [
      { name: 'restart', base: 1 },
      { name: 'scale', base: 1 },
      { name: 'clear-cache', base: 1 },
    ]);
    expect(ranked.map((r) => r.name)).toEqual(['scale', 'clear-cache', 'restart']);
  });

  it('summarizes outcomes: totals, rates per (cause, playbook), mean time to heal', () => {
    const o = (cause: string, playbook: string, success: boolean, healMs: number | null): Outcome => ({
      incidentId: null,
      service: 'api',
      cause,
      playbook,
      success,
      healMs,
      at: 0,
    });
    const s = summarizeOutcomes(
      [
        o('crash', 'restart', true, 1000),
        o('crash', 'restart', true, 3000),
        o('crash', 'restart', false, null),
        o('oom', 'scale', true, 500),
      ],
      0,
      policy,
    );
    expect(s).toMatchObject({ total: 4, successes: 3, successRate: 0.75, meanHealMs: 1500 });
    expect(s.groups[0]).toMatchObject({
      cause: 'crash',
      playbook: 'restart',
      attempts: 3,
      successes: 2,
      meanHealMs: 2000,
    });
    expect(s.groups[0]!.learnedConfidence).toBeCloseTo(14 / 15);
  });
});

describe('the learner counts an incident once', () => {
  const at = (incidentId: string | null, success: boolean, t: number) => ({ incidentId, success, at: t });
  it('by its latest outcome, and each outcome without an incident alone', () => {
    // A crash loop: three failed restarts of one incident weigh as one failure.
    const loop = posterior(
      1,
      [at('inc_a', false, 1), at('inc_a', false, 2), at('inc_a', false, 3)],
      3,
      policy,
    );
    expect(loop.attempts).toBe(1);
    expect(loop.confidence).toBeCloseTo(12 / 13);
    // Failed, then healed on the same incident: a success.
    const healed = posterior(1, [at('inc_b', false, 1), at('inc_b', true, 2)], 2, policy);
    expect([healed.attempts, healed.successes]).toEqual([1, 1]);
    // Three incidents that each failed are three failures, as are outcomes recorded without an incident.
    const three = posterior(1, [at('i1', false, 0), at('i2', false, 0), at('i3', false, 0)], 0, policy);
    expect(three.confidence).toBeCloseTo(12 / 15);
    expect(posterior(1, [at(null, false, 0), at(null, false, 0)], 0, policy).attempts).toBe(2);
    expect(perIncident([at('x', true, 5), at('x', false, 1)])).toEqual([at('x', true, 5)]);
    // One incident holds its dependents too: a playbook for any service that failed on the worker and then
    // healed the api there is evidence of both.
    const worker = (ok: boolean, t: number) => ({ ...at('inc_c', ok, t), service: 'worker' });
    const api = (ok: boolean, t: number) => ({ ...at('inc_c', ok, t), service: 'api' });
    const both = posterior(1, [worker(false, 1), worker(false, 2), api(true, 3)], 3, policy);
    expect([both.attempts, both.successes]).toEqual([2, 1]);
  });
});
