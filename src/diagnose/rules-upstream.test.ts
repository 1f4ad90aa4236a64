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

  it('with no dependency, the same timeouts are a hang while nothing answers since', () => {
    expect(causes(bundle({ probes: probes.slice(0, 3) }))).toContain('hung');
  });

  it('a process that answers late between its timeouts is slow, not hung', () => {
    // Answers of 700 ms against a 900 ms timeout: on a loaded machine some of them time out.
    const mixed = [
      timeout(T - 8 * SEC),
      slow(T - 7 * SEC),
      timeout(T - 6 * SEC),
      timeout(T - 5 * SEC),
      slow(T - 4 * SEC),
    ];
    expect(causes(bundle({ probes: mixed }))).not.toContain('hung');
    // Its degraded answers (slower than max_latency) count as answers too.
    const degraded = { ...slow(T - 4 * SEC), ok: false, message: '200 OK in 712ms, slower than 500ms' };
    expect(causes(bundle({ probes: [...mixed.slice(0, 4), degraded] }))).not.toContain('hung');
  });
});

describe('error_burst, beside a dependency that failed', () => {
  const pattern = (at: number) => ({
    id: `fnd_${at}`,
    service: 'api',
    check: 'logs:1a2b',
    kind: 'pattern' as const,
    severity: 'warning' as const,
    score: 1,
    summary: 'api: new error template: health: db down: connect ECONNREFUSED <*> [connection_refused]',
    evidence: {},
    at,
  });
  const errors = (from: number, n: number) =>
    Array.from({ length: n }, (_, i) => ({
      at: from + i * 100,
      line: 'ERROR health: db down: connect ECONNREFUSED 127.0.0.1:5432',
      source: 'stderr',
    }));
  const db = { service: 'db', healthy: true, lastFailedAt: T - 6 * SEC };

  it('a new error pattern or error lines from while the dependency failed are its trouble, not a burst', () => {
    const b = bundle({ findings: [pattern(T - 8 * SEC)], logs: errors(T - 9 * SEC, 30), dependencies: [db] });
    expect(causes(b)).not.toContain('error_burst');
  });

  it('the same after the dependency was back are its own', () => {
    const b = bundle({ findings: [pattern(T - 4 * SEC)], logs: errors(T - 5 * SEC, 30), dependencies: [db] });
    expect(causes(b)).toContain('error_burst');
  });
});
