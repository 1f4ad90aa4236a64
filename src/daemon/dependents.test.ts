import { describe, expect, it } from 'vitest';
import type { Finding, Incident, ServiceHealth } from '../core/index.js';
import { SimulatedClock } from '../core/index.js';
import { Dependents } from './dependents.js';

const incident: Incident = {
  id: 'inc_1',
  service: 'db',
  state: 'verifying',
  title: 'db is down',
  severity: 'critical',
  rootCause: 'db',
  openedAt: 0,
  updatedAt: 0,
  resolvedAt: null,
};

const finding = (service: string): Finding => ({
  id: `fnd_${service}`,
  service,
  check: 'health',
  kind: 'down',
  severity: 'critical',
  score: 1,
  summary: `${service} is down`,
  evidence: {},
  at: 0,
});

function setup(unattended: (s: string) => Finding | null) {
  const clock = new SimulatedClock();
  const health = new Map<string, ServiceHealth>([
    ['db', 'healthy'],
    ['api', 'down'],
  ]);
  const healed: string[] = [];
  const work: Promise<void>[] = [];
  const deps = new Dependents({
    clock,
    incidents: { note: async () => {} },
    health: (s) => health.get(s) ?? 'healthy',
    busy: () => false,
    runChecks: async () => {},
    releaseAfter: () => 2_000,
    telemetryGrace: () => 0,
    heal: async (f) => {
      healed.push(f.service);
    },
    unattended: async (s) => unattended(s),
    spawn: (w) => {
      work.push(w());
    },
    signal: new AbortController().signal,
  });
  return { clock, health, healed, work, deps };
}

describe('Dependents', () => {
  it('a member failing with nothing due when the root is healed gets its own heal after release_after', async () => {
    const { clock, healed, work, deps } = setup(() => finding('api'));
    deps.memberHealthy(incident, 'db', ['api']);
    await clock.advance(1_000);
    expect(healed).toEqual([]);
    await clock.advance(1_500);
    await Promise.all(work);
    expect(healed).toEqual(['api']);
  });

  it('one that recovers within release_after is not healed', async () => {
    const { clock, health, healed, work, deps } = setup(() => finding('api'));
    deps.memberHealthy(incident, 'db', ['api']);
    await clock.advance(1_000);
    health.set('api', 'healthy');
    await clock.advance(2_000);
    await Promise.all(work);
    expect(healed).toEqual([]);
  });

  it('one held for a human (no finding to release) is left to the human', async () => {
    const { clock, healed, work, deps } = setup(() => null);
    deps.memberHealthy(incident, 'db', ['api']);
    await clock.advance(5_000);
    await Promise.all(work);
    expect(healed).toEqual([]);
  });
});
