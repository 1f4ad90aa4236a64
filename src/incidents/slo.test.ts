import { describe, expect, it } from 'vitest';
import type { ProbeRecord } from '../store/index.js';
import { burnRate, evaluateSlo } from './slo.js';

const NOW = Date.UTC(2026, 0, 2);
const MIN = 60_000;

/** One probe a minute for a day; the last 30 minutes fail; every 10th answer is slow. */
function day(): ProbeRecord[] {
  return Array.from({ length: 1440 }, (_, k) => ({
    service: 'api',
    check: 'http',
    at: NOW - k * MIN,
    result: { ok: k >= 30, latencyMs: k % 10 === 0 ? 500 : 100, message: k >= 30 ? 'ok' : 'HTTP 503' },
  }));
}

describe('evaluateSlo', () => {
  it('computes the SLI, the budget left and the multiwindow burn-rate alerts', () => {
    const s = evaluateSlo(
      {
        service: 'api',
        availability: 0.99,
        latency: { thresholdMs: 200, objective: 0.95 },
        windowMs: 86_400_000,
      },
      [
        ...day(),
        { service: 'db', check: 'tcp', at: NOW, result: { ok: false, latencyMs: 1, message: 'refused' } },
      ],
      NOW,
    );
    expect(s.availability).toEqual({
      total: 1440,
      good: 1410,
      sli: 0.979167,
      objective: 0.99,
      budgetRemaining: -1.0833,
      met: false,
    });
    expect(s.latency).toEqual({
      total: 1410,
      good: 1269,
      sli: 0.9,
      objective: 0.95,
      budgetRemaining: -1,
      met: false,
    });
    expect(s.burnRates).toEqual([
      { windowMs: 3_600_000, rate: 50 },
      { windowMs: 21_600_000, rate: 8.3333 },
      { windowMs: 86_400_000, rate: 2.0833 },
      { windowMs: 259_200_000, rate: 2.0833 },
    ]);
    expect(s.alerts.map((a) => [a.severity, a.rule])).toEqual([
      ['page', '2% of budget in 1h'],
      ['page', '5% of budget in 6h'],
      ['ticket', '10% of budget in 3d'],
    ]);
  });

  it('stops paging soon after the burning stops, thanks to the short window', () => {
    const later = NOW + 10 * MIN;
    const recovered = [
      ...day(),
      ...Array.from({ length: 10 }, (_, i) => ({
        service: 'api',
        check: 'http',
        at: NOW + (i + 1) * MIN,
        result: { ok: true, latencyMs: 100, message: 'ok' },
      })),
    ];
    const s = evaluateSlo({ service: 'api', availability: 0.99 }, recovered, later);
    expect(s.alerts.map((a) => a.rule)).toEqual(['5% of budget in 6h', '10% of budget in 3d']);
  });

  it('counts a degraded answer as available, and no data as meeting the objective', () => {
    const degraded: ProbeRecord = {
      service: 'api',
      check: 'http',
      at: NOW,
      result: { ok: false, degraded: true, latencyMs: 900, message: 'slow' },
    };
    expect(evaluateSlo({ service: 'api', availability: 0.999 }, [degraded], NOW).availability.met).toBe(true);
    const none = evaluateSlo({ service: 'api', availability: 0.999 }, [], NOW);
    expect(none.availability).toMatchObject({ total: 0, sli: 1, budgetRemaining: 1, met: true });
    expect(none.alerts).toEqual([]);
    expect(burnRate([], 0.99)).toBe(0);
  });
});
