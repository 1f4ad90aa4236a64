import { describe, expect, it } from 'vitest';
import type { EvidenceBundle } from './evidence.js';
import { diagnoseByRules } from './rules.js';

const T = Date.UTC(2026, 0, 1, 12);
const SEC = 1_000;

const timeout = (at: number) => ({
  check: 'health',
  at,
  ok: false,
  latencyMs: 900,
  message: 'timed out after 900ms',
});
const slow = (at: number) => ({ check: 'health', at, ok: true, latencyMs: 700, message: '200 OK in 700ms' });

function bundle(over: Partial<EvidenceBundle>): EvidenceBundle {
  return {
    service: 'api',
    at: T,
    findings: [],
    processAlive: true,
    processState: { pid: 42, state: 'S' },
    logsSince: T - 10 * SEC,
    ...over,
  };
}

const causes = (b: EvidenceBundle) => diagnoseByRules(b, {}).map((d) => d.cause);

describe('hung, beside a dependency that failed', () => {
  // The cache hung from T-9 s to T-6 s; the API's probes timed out meanwhile, and answer slowly since.
  const probes = [timeout(T - 8 * SEC), timeout(T - 7.5 * SEC), timeout(T - 7 * SEC), slow(T - 3 * SEC)];

  it('probes that timed out while the dependency failed are not the process hanging', () => {
    const b = bundle({
      probes,
      dependencies: [{ service: 'cache', healthy: true, lastFailedAt: T - 6 * SEC }],
    });
    expect(causes(b)).not.toContain('hung');
  });

  it('probes timing out after the dependency was back are its own', () => {
    const b = bundle({
      probes: [...probes, timeout(T - 2 * SEC), timeout(T - 1 * SEC)],
      dependencies: [{ service: 'cache', healthy: true, lastFailedAt: T - 6 * SEC }],
    });
    const d = diagnoseByRules(b, {})[0];
    expect(d?.cause).toBe('hung');
    expect(d?.evidence[0]).toMatch(/^2 probes timed out/);
  });

  it('with no dependency, the same timeouts are a hang', () => {
    expect(causes(bundle({ probes }))).toContain('hung');
  });
});
