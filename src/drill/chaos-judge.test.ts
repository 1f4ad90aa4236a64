import { describe, expect, it } from 'vitest';
import type { Incident, TimelineEntry } from '../core/index.js';
import { DependencyGraph } from '../incidents/index.js';
import { judge, type Live } from './chaos-judge.js';
import { SilenceWatch } from './chaos-watch.js';
import { faults } from './faults/index.js';

const graph = new DependencyGraph({ nginx: ['api'], api: ['db'], db: [] });

/** One incident on api's hang that nginx joined, with what its timeline says of nginx. */
function history(nginxDiagnoses: { at: number; cause: string }[]) {
  const inc: Incident = {
    id: 'inc_1',
    service: 'api',
    state: 'resolved',
    title: '',
    severity: 'critical',
    rootCause: 'api',
    openedAt: 1_000,
    updatedAt: 30_000,
    resolvedAt: 30_000,
  };
  const timeline: TimelineEntry[] = [
    {
      id: 1,
      incidentId: 'inc_1',
      at: 1_500,
      kind: 'diagnosis',
      state: null,
      message: '',
      data: { service: 'api', cause: 'hung' },
    },
    ...nginxDiagnoses.map(
      (d, i): TimelineEntry => ({
        id: i + 2,
        incidentId: 'inc_1',
        state: null,
        at: d.at,
        kind: 'diagnosis',
        message: '',
        data: { service: 'nginx', cause: d.cause },
      }),
    ),
  ];
  return {
    getIncident: async (id: string) => (id === 'inc_1' ? inc : null),
    incidentServices: async () => ['api', 'nginx'],
    timeline: async () => timeline,
  };
}

function live(n: number, fault: string, service: string, injectedAt: number, alreadyFailing: boolean): Live {
  return {
    n,
    step: { at: injectedAt, fault, service, kind: 'pair' },
    fault: faults.get(fault),
    target: null,
    injectedAt,
    injected: true,
    note: null,
    alreadyFailing,
    detectedAt: injectedAt + 20,
    detectedBy: `${service}/running:down`,
    sawIncident: true,
    healedAt: 25_000,
    escalatedAt: null,
    notified: false,
    recoveredAt: null,
    goneAt: null,
  };
}

async function nginxCause(nginxDiagnoses: { at: number; cause: string }[]) {
  const watch = new SilenceWatch(
    {
      services: () => ['nginx', 'api', 'db'],
      upstreamOf: (s) => [...graph.upstreamOf(s)],
      health: () => 'healthy',
      busy: () => false,
      activeIncident: async () => null,
      guard: async () => null,
    },
    { graceMs: 1_000, capMs: 300_000, releaseAfterMs: 5_000, notifies: true },
  );
  const report = await judge(history(nginxDiagnoses), {
    plan: [],
    lives: [live(0, 'hang', 'api', 1_000, false), live(1, 'crash', 'nginx', 10_000, true)],
    actions: new Map(),
    incidentIds: new Set(['inc_1']),
    watch,
    graph,
    t0: 0,
    end: 60_000,
    seed: 1,
    durationMs: 60_000,
    notifies: true,
    graceMs: 1_000,
    capMs: 300_000,
  });
  return report.faults.find((f) => f.n === 1)!;
}

describe('judge: the cause of a fault on a service already failing', () => {
  it("is its own diagnosis when it has one: a proxy killed while failing through its app's hang", async () => {
    const r = await nginxCause([
      { at: 5_000, cause: 'db_unreachable' },
      { at: 10_700, cause: 'process_crashed' },
    ]);
    expect(r.cause).toBe('process_crashed');
    expect(r.root_cause_ok).toBe(true);
  });

  it('is the trouble already there when the fault made no news of its own', async () => {
    const r = await nginxCause([{ at: 5_000, cause: 'db_unreachable' }]);
    expect(r.cause).toBe('db_unreachable');
    expect(r.root_cause_ok).toBe(false);
  });
});
