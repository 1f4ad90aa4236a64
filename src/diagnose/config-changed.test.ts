import { describe, expect, it } from 'vitest';
import type { Finding } from '../core/index.js';
import type { EvidenceBundle } from './evidence.js';
import { diagnoseByRules } from './rules.js';

const T = Date.UTC(2026, 0, 1, 12);
const SEC = 1000;
const FILE = '/srv/api/settings.json';

function finding(over: Partial<Finding> = {}): Finding {
  return {
    id: 'fnd_1',
    service: 'api',
    check: 'health',
    kind: 'down',
    severity: 'critical',
    score: 1,
    summary: 'api is down',
    evidence: {},
    at: T - 5 * SEC,
    ...over,
  };
}

/** The API's checks began failing 5 s ago; its settings file changed `changedAgo` before that. */
function bundle(changedAgo: number, over: Partial<EvidenceBundle> = {}): EvidenceBundle {
  return {
    service: 'api',
    at: T,
    findings: [finding()],
    configChanges: [{ path: FILE, changedAt: T - 5 * SEC - changedAgo, knownGoodAt: T - 3_600 * SEC }],
    probes: [
      { check: 'health', at: T - 2 * SEC, ok: false, latencyMs: 3, message: '503 Service Unavailable' },
      { check: 'health', at: T - SEC, ok: false, latencyMs: 3, message: '503 Service Unavailable' },
    ],
    ...over,
  };
}

const causeOf = (b: EvidenceBundle) => diagnoseByRules(b)[0];

describe('config_changed', () => {
  it('names a settings file changed just before the failure, over the 5xx answers that followed it', () => {
    const d = causeOf(bundle(2 * SEC));
    expect(d?.cause).toBe('config_changed');
    expect(d?.evidence[0]).toBe(
      `${FILE} changed 2 s before the first failure; it differs from its known good version (2026-01-01T11:00:00.000Z)`,
    );
  });

  it('is surer when a check of the settings fails, and says so', () => {
    const failing = {
      check: 'config',
      at: T - SEC,
      ok: false,
      latencyMs: 2,
      message: '500 Internal Server Error',
    };
    const d = diagnoseByRules(bundle(2 * SEC, { probes: [failing] })).find(
      (x) => x.cause === 'config_changed',
    );
    expect(d?.confidence).toBe(0.9);
    expect(d?.evidence[1]).toBe('its config check fails: "500 Internal Server Error"');
    expect(diagnoseByRules(bundle(2 * SEC)).find((x) => x.cause === 'config_changed')?.confidence).toBe(0.7);
  });

  it('says nothing of a change made after the trouble began, or long before it', () => {
    const after = bundle(0, {
      configChanges: [{ path: FILE, changedAt: T - SEC, knownGoodAt: T - 3_600 * SEC }],
    });
    expect(diagnoseByRules(after).some((x) => x.cause === 'config_changed')).toBe(false);
    expect(diagnoseByRules(bundle(20 * 60 * SEC)).some((x) => x.cause === 'config_changed')).toBe(false);
    expect(
      diagnoseByRules(bundle(2 * SEC, { configChanges: [] })).some((x) => x.cause === 'config_changed'),
    ).toBe(false);
  });

  it('dates the trouble after what a dependency explains: a change during its outage, still failing after it, is named', () => {
    // The database was down from T-10 s to T-4 s: the API's connection errors at T-9 s were its doing. The API's
    // settings changed at T-8 s, and its config check still fails at T-2 s with the database healthy.
    const dbDown = finding({ check: 'logs:refused', kind: 'pattern', at: T - 9 * SEC });
    const own = finding({ check: 'config', at: T - 2 * SEC });
    const changes = [{ path: FILE, changedAt: T - 8 * SEC, knownGoodAt: T - 3_600 * SEC }];
    const db = { service: 'db', healthy: true, lastFailedAt: T - 4 * SEC };
    const b = bundle(0, { findings: [dbDown, own], configChanges: changes, dependencies: [db] });
    const d = diagnoseByRules(b).find((x) => x.cause === 'config_changed');
    expect(d?.evidence[0]).toMatch(new RegExp(`^${FILE} changed 6 s before the first failure`));
    // While the database still fails, what the API reports may all be its doing: the edit came during it.
    const failing = { ...b, dependencies: [{ ...db, healthy: false }] };
    expect(diagnoseByRules(failing).some((x) => x.cause === 'config_changed')).toBe(false);
    // Nor with no dependency to explain the first finding.
    expect(diagnoseByRules({ ...b, dependencies: [] }).some((x) => x.cause === 'config_changed')).toBe(false);
  });

  it('leaves a kill and a stopped process to their own causes', () => {
    const kill = bundle(2 * SEC, {
      trigger: { kind: 'down', check: 'running', exit: true },
      exits: [{ at: T - SEC, code: null, signal: 'SIGKILL' }],
      processAlive: false,
    });
    expect(diagnoseByRules(kill).some((x) => x.cause === 'config_changed')).toBe(false);
    const stopped = bundle(2 * SEC, { processAlive: true, processState: { pid: 42, state: 'T' } });
    expect(diagnoseByRules(stopped).some((x) => x.cause === 'config_changed')).toBe(false);
    expect(causeOf(stopped)?.cause).toBe('hung');
  });

  it('outweighs a crash when the process exits with an error since the change (a start-up refusing the file)', () => {
    const d = causeOf(
      bundle(2 * SEC, {
        trigger: { kind: 'down', check: 'running', exit: true },
        exits: [{ at: T - SEC, code: 1, signal: null }],
        processAlive: false,
      }),
    );
    expect(d?.cause).toBe('config_changed');
    expect(d?.confidence).toBe(0.85);
  });
});
