import { describe, expect, it } from 'vitest';
import type { EvidenceBundle } from './evidence.js';
import { serverErrors } from './signals.js';

const T = Date.UTC(2026, 0, 1, 12);
const SEC = 1_000;

const answer = (at: number, ok: boolean) => ({
  check: 'health',
  at,
  ok,
  latencyMs: 2,
  message: ok ? '200 OK in 2ms' : '500 Internal Server Error in 2ms, expected 200',
});

function bundle(over: Partial<EvidenceBundle>): EvidenceBundle {
  return {
    service: 'api',
    at: T,
    findings: [],
    processAlive: true,
    logsSince: T - 10 * SEC,
    // The burst a minute ago was an incident of its own.
    earlierTrouble: [{ from: T - 70 * SEC, to: T - 55 * SEC }],
    ...over,
  };
}

describe('serverErrors', () => {
  // A burst a minute ago, healed: its 500s are before the window.
  const earlier = [answer(T - 60 * SEC, false), answer(T - 59 * SEC, false), answer(T - 30 * SEC, true)];

  it('one 500 alone is a blip', () => {
    expect(serverErrors(bundle({ probes: [...earlier, answer(T - 0.3 * SEC, false)] }))).toBeNull();
  });

  it('one 500 the service also logged an error for is its requests failing', () => {
    const b = bundle({
      probes: [...earlier, answer(T - 0.3 * SEC, false)],
      logs: [{ at: T - 0.2 * SEC, line: 'ERROR request failed: injected', source: 'stderr' }],
    });
    expect(serverErrors(b)?.count).toBe(1);
  });

  it('one 503 with an error line is what it depends on, not its own burst', () => {
    const unavailable = { ...answer(T - 0.3 * SEC, false), message: '503 Service Unavailable in 14ms' };
    const b = bundle({
      probes: [...earlier, unavailable],
      logs: [{ at: T - 0.2 * SEC, line: 'health: db down: timeout', source: 'stderr' }],
    });
    expect(serverErrors(b)).toBeNull();
  });

  it('an error line from before the answer, outside the slack, does not count', () => {
    const b = bundle({
      probes: [...earlier, answer(T - 0.3 * SEC, false)],
      logs: [{ at: T - 5 * SEC, line: 'ERROR request failed: injected', source: 'stderr' }],
    });
    expect(serverErrors(b)).toBeNull();
  });

  it('two 500s are enough without a line', () => {
    const b = bundle({ probes: [...earlier, answer(T - 1.3 * SEC, false), answer(T - 0.3 * SEC, false)] });
    expect(serverErrors(b)?.count).toBe(2);
  });

  it("an earlier incident's 500s are not the usual share; outside one they are", () => {
    const probes = [...earlier, answer(T - 1.3 * SEC, false), answer(T - 0.3 * SEC, false)];
    expect(serverErrors(bundle({ probes }))?.count).toBe(2);
    // The same answers with no incident around the earlier ones: 500s are what it usually answers.
    expect(serverErrors(bundle({ probes, earlierTrouble: [] }))).toBeNull();
  });
});
