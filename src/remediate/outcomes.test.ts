import pino from 'pino';
import { afterEach, describe, expect, it } from 'vitest';
import { type LoadedConfig, playbookSchema, policySchema } from '../config/index.js';
import { Bus, type Incident, SimulatedClock } from '../core/index.js';
import type { IncidentManager } from '../incidents/index.js';
import { Learner } from '../learn/index.js';
import { openSqliteStore, type SqliteStore } from '../store/index.js';
import type { EngineDeps } from './deps.js';
import { Outcomes } from './outcomes.js';
import type { Run } from './run.js';

const policy = policySchema.parse({});
const T0 = Date.UTC(2026, 0, 1);

const incident: Incident = {
  id: 'inc_1',
  service: 'api',
  state: 'remediating',
  title: 'api down',
  severity: 'critical',
  rootCause: 'api',
  openedAt: T0,
  updatedAt: T0,
  resolvedAt: null,
};

const run: Run = {
  id: 'run_1',
  service: 'api',
  name: 'restart-api',
  playbook: playbookSchema.parse({ when: { service: 'api', kind: 'down' }, steps: [{ restart: {} }] }),
  incident,
  cause: 'hung',
  confidence: 1,
  vars: {} as Run['vars'],
};

/** The incident manager's part the outcomes touch: notes, and transitions (their target states recorded). */
const transitions: string[] = [];
const incidents = {
  note: async () => {},
  transition: async (_service: string, to: string) => {
    transitions.push(to);
    return null;
  },
  onHealthy: async () => null,
} as unknown as IncidentManager;

describe('outcomes of a drill', () => {
  const stores: SqliteStore[] = [];
  afterEach(async () => {
    for (const s of stores.splice(0)) await s.close();
  });

  async function setUp(drill: boolean, retry: ConstructorParameters<typeof Outcomes>[2] = () => {}) {
    const store = await openSqliteStore({ dir: ':memory:' });
    stores.push(store);
    const clock = new SimulatedClock(T0);
    const bus = new Bus();
    const d: ConstructorParameters<typeof Outcomes>[0] = {
      store,
      clock,
      incidents,
      bus,
      logger: pino({ level: 'silent' }),
      config: () => ({ config: { policy } }) as unknown as LoadedConfig,
      health: () => 'down',
      drill,
    } satisfies Partial<EngineDeps>;
    const outcomes = new Outcomes(d, new AbortController().signal, retry);
    const learner = new Learner(store, clock, () => policy.learning);
    return { store, clock, bus, outcomes, learner };
  }

  it('are recorded with the drill mark and do not move the learner', async () => {
    const { store, clock, outcomes, learner } = await setUp(true);
    const before = (await learner.assess('hung', 'restart-api', 1)).confidence;
    for (let i = 0; i < 5; i++) {
      await clock.advance(1_000);
      await outcomes.failed(run, 'verification failed', false);
    }
    await outcomes.healed(run, 'checks pass');
    const stored = await store.listOutcomes({});
    expect(stored).toHaveLength(6);
    expect(stored.every((o) => o.drill === true)).toBe(true);
    const after = await learner.assess('hung', 'restart-api', 1);
    expect(after.attempts).toBe(0);
    expect(after.confidence).toBe(before);
  });

  it('of real trouble do move it (the same failures, not a drill), once per incident', async () => {
    const { store, clock, outcomes, learner } = await setUp(false);
    // Three failed heals of one incident are one piece of evidence.
    for (let i = 0; i < 3; i++) {
      await clock.advance(1_000);
      await outcomes.failed(run, 'verification failed', false);
    }
    expect((await learner.assess('hung', 'restart-api', 1)).attempts).toBe(1);
    for (const id of ['inc_2', 'inc_3']) {
      await clock.advance(1_000);
      await outcomes.failed({ ...run, incident: { ...incident, id } }, 'verification failed', false);
    }
    expect((await store.listOutcomes({})).some((o) => o.drill)).toBe(false);
    const after = await learner.assess('hung', 'restart-api', 1);
    expect(after.attempts).toBe(3);
    expect(after.confidence).toBeLessThan(policy.confidence_threshold ?? 0.85);
  });

  it('of a heal that never ran (its steps not claimed) count no failure, teach nothing, and retry', async () => {
    const retries: [string, number, string | undefined][] = [];
    const { store, outcomes, learner } = await setUp(false, (...r) => retries.push(r));
    await outcomes.deferred(run, 'this replica cannot act now');
    expect(await store.listOutcomes({})).toHaveLength(0);
    expect((await store.getGuardState('api'))?.failedHeals ?? 0).toBe(0);
    expect((await learner.assess('hung', 'restart-api', 1)).attempts).toBe(0);
    expect(retries).toEqual([['api', policy.backoff.initial, 'restart-api']]);
  });

  it('of heals that never run, again and again, hand the incident to a human once and keep retrying', async () => {
    const retries: unknown[] = [];
    const { store, bus, outcomes } = await setUp(false, (...r) => retries.push(r));
    const escalations: string[] = [];
    bus.on('escalation', (e) => escalations.push(e.reason));
    transitions.length = 0;
    for (let i = 1; i < policy.max_failed_heals; i++) await outcomes.deferred(run, 'the lease lapsed');
    // Notes only: the incident keeps its state until it is handed to a human.
    expect(transitions).toEqual([]);
    expect(escalations).toEqual([]);
    await outcomes.deferred(run, 'the lease lapsed');
    expect(escalations).toHaveLength(1);
    expect(escalations[0]).toContain(`${policy.max_failed_heals} heals of api could not run in a row`);
    await outcomes.deferred(run, 'the lease lapsed');
    expect(escalations).toHaveLength(1);
    // The escalated incident stays so (its reminders go on); the retries back off as failed heals do.
    expect(transitions).toEqual(['escalated']);
    expect(retries).toHaveLength(policy.max_failed_heals + 1);
    expect((retries as [string, number][]).map((r) => r[1])).toEqual(
      Array.from({ length: policy.max_failed_heals + 1 }, (_, i) =>
        Math.min(policy.backoff.max, policy.backoff.initial * policy.backoff.factor ** i),
      ),
    );
    // The replica is the cause: the shared guard is left for another replica to act on.
    expect((await store.getGuardState('api'))?.escalated ?? false).toBe(false);
    // Another incident counts from the start.
    await outcomes.deferred({ ...run, incident: { ...incident, id: 'inc_2' } }, 'the lease lapsed');
    expect(escalations).toHaveLength(1);
  });

  it('count deferrals in a row only: a heal that runs to an end starts the count again', async () => {
    const { bus, outcomes } = await setUp(false);
    const escalations: string[] = [];
    bus.on('escalation', (e) => escalations.push(e.reason));
    for (let round = 0; round < 3; round++) {
      for (let i = 1; i < policy.max_failed_heals; i++) await outcomes.deferred(run, 'the lease lapsed');
      await outcomes.healed(run, 'checks pass');
    }
    expect(escalations).toEqual([]);
  });
});
