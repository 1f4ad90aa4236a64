import { describe, expect, it } from 'vitest';
import { correlationSchema, type MedicConfig } from '../config/index.js';
import { Bus, type Finding, type Incident, SimulatedClock } from '../core/index.js';
import { Notices } from './notices.js';

/** The schema's defaults: how long a member must stay healthy for its next failure to be news. */
const CONFIG = { correlation: correlationSchema.parse({}) } as MedicConfig;
const NEW_FAILURE_AFTER_MS = CONFIG.correlation.new_failure_after;
const incident = { id: 'inc_1', service: 'proxy' } as Incident;
const exit = (at: number): Finding => ({
  id: `fnd_${at}`,
  service: 'app',
  check: 'running',
  kind: 'down',
  severity: 'critical',
  score: 1,
  summary: 'app killed by SIGKILL',
  evidence: { signal: 'SIGKILL' },
  at,
});

function notices(clock: SimulatedClock): Notices {
  return new Notices({
    bus: new Bus(),
    clock,
    store: { listFindings: async () => [] },
    incidents: { note: async () => {} },
    config: () => CONFIG,
  });
}

describe('Notices.episode: a new failure of a member of an incident', () => {
  it('is new when the member was healthy long enough before, even if its finding comes before its health change', async () => {
    const clock = new SimulatedClock();
    const n = notices(clock);
    expect(n.episode(exit(clock.now()), incident)).toBe(true);
    n.recovered('app');
    await clock.advance(NEW_FAILURE_AFTER_MS + 1_000);
    // The exit is reported at once; the health change that says it fails comes after it.
    expect(n.episode(exit(clock.now()), incident)).toBe(true);
    n.failing('app');
    expect(n.episode(exit(clock.now()), incident)).toBe(false);
  });

  it('is the same failure when the member was up only for moments in between (a crash loop)', async () => {
    const clock = new SimulatedClock();
    const n = notices(clock);
    expect(n.episode(exit(clock.now()), incident)).toBe(true);
    n.recovered('app');
    await clock.advance(2_000);
    expect(n.episode(exit(clock.now()), incident)).toBe(false);
  });
});

describe('Notices: the healthy stretch is measured between the events, not their handling', () => {
  it('a recovery handled late does not make a long healthy stretch a crash loop', async () => {
    const clock = new SimulatedClock();
    const n = notices(clock);
    expect(n.episode(exit(clock.now()), incident)).toBe(true);
    const healthyAt = clock.now();
    // The lane was busy: the recovery is handled 3 s after it happened.
    await clock.advance(3_000);
    n.recovered('app', healthyAt);
    // Healthy for NEW_FAILURE_AFTER_MS by the events' times, then failing: a new failure.
    await clock.advance(NEW_FAILURE_AFTER_MS - 3_000 + 500);
    expect(n.episode(exit(clock.now()), incident)).toBe(true);
  });

  it('a failure handled late does not make a short healthy stretch a new failure', async () => {
    const clock = new SimulatedClock();
    const n = notices(clock);
    expect(n.episode(exit(clock.now()), incident)).toBe(true);
    n.recovered('app', clock.now());
    await clock.advance(NEW_FAILURE_AFTER_MS - 2_000);
    const failedAt = clock.now();
    await clock.advance(3_000);
    // Up for 28 s by the events' times: the same failure, though handled 31 s after the recovery.
    n.failing('app', failedAt);
    expect(n.episode(exit(failedAt), incident)).toBe(false);
  });
});

describe('Notices.whileEscalated: news for the human an incident waits for', () => {
  function withBus(clock: SimulatedClock) {
    const bus = new Bus();
    const sent: string[] = [];
    bus.on('escalation', (e) => sent.push(e.reason));
    const n = new Notices({
      bus,
      clock,
      store: { listFindings: async () => [] },
      incidents: { note: async () => {} },
      config: () => CONFIG,
    });
    return { n, sent };
  }
  const anomaly = (severity: Finding['severity']): Finding => ({
    ...exit(0),
    id: `fnd_anomaly_${severity}`,
    check: 'metric:queue_depth',
    kind: 'anomaly',
    severity,
    summary: 'app/metric:queue_depth anomalous: 900 above the expected 40',
  });

  it('is a new failure: sent', async () => {
    const { n, sent } = withBus(new SimulatedClock());
    await n.whileEscalated(exit(0), { ...incident, state: 'escalated' });
    expect(sent).toEqual([expect.stringMatching(/^new failure while proxy waits for a human: app killed/)]);
  });

  it('is not a warning-level anomaly (a sign, on the timeline), unless configured critical', async () => {
    const { n, sent } = withBus(new SimulatedClock());
    await n.whileEscalated(anomaly('warning'), { ...incident, state: 'escalated' });
    expect(sent).toEqual([]);
    await n.whileEscalated(anomaly('critical'), { ...incident, state: 'escalated' });
    expect(sent).toHaveLength(1);
  });
});
