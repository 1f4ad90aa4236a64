import pino from 'pino';
import { afterEach, describe, expect, it } from 'vitest';
import { type LoadedConfig, policySchema } from '../config/index.js';
import { Bus, SimulatedClock } from '../core/index.js';
import type { IncidentManager } from '../incidents/index.js';
import { openSqliteStore, type SqliteStore } from '../store/index.js';
import { Journal } from './journal.js';
import { KEEPALIVE_STABLE_MS, Keeper } from './keeper.js';

const T0 = Date.UTC(2026, 0, 1);
const policy = policySchema.parse({});

/** A supervised process as the keeper sees it: started on request, running until the test kills it. */
function fakeControl() {
  let pid = 100;
  const state = { running: false, starts: 0 };
  return {
    state,
    control: {
      isSupervised: () => true,
      restart: async () => {
        state.running = true;
        state.starts++;
        return ++pid;
      },
      running: () => state.running,
    },
  };
}

describe('keepalive starts in the journal', () => {
  const stores: SqliteStore[] = [];
  afterEach(async () => {
    for (const s of stores.splice(0)) await s.close();
  });

  async function setUp() {
    const store = await openSqliteStore({ dir: ':memory:' });
    stores.push(store);
    const clock = new SimulatedClock(T0);
    const bus = new Bus();
    const { state, control } = fakeControl();
    const config = {
      config: { policy, services: { app: { run: { command: ['app'] } } } },
    } as unknown as LoadedConfig;
    const keeper = new Keeper(
      {
        clock,
        config: () => config,
        control,
        journal: new Journal(store, bus, clock),
        store,
        incidents: { note: async () => {} } as unknown as IncidentManager,
        logger: pino({ level: 'silent' }),
      },
      new AbortController().signal,
      { pending: () => false, track: (_s, work) => work() },
    );
    const settle = async (ms: number) => {
      // Past the timer, then the journal's writes (promises) run out.
      await clock.advance(ms);
      for (let i = 0; i < 20; i++) await new Promise((r) => setImmediate(r));
    };
    const journaled = async () =>
      (await store.listActions({ service: 'app' })).items
        .sort((a, b) => a.createdAt - b.createdAt)
        .map((a) => a.state);
    return { keeper, state, settle, journaled };
  }

  it('are verified once the process has stayed up, not the moment it starts', async () => {
    const { keeper, state, settle, journaled } = await setUp();
    keeper.onExit('app');
    await settle(keeper.delay('app'));
    expect(state.starts).toBe(1);
    expect(await journaled()).toEqual(['applied']);
    await settle(KEEPALIVE_STABLE_MS);
    expect(await journaled()).toEqual(['verified']);
    keeper.stop();
  });

  it('are failed when the process dies on every start (a crash loop)', async () => {
    const { keeper, state, settle, journaled } = await setUp();
    keeper.onExit('app');
    for (let i = 0; i < 3; i++) {
      await settle(keeper.delay('app'));
      await settle(1_000);
      state.running = false;
      keeper.onExit('app');
      await settle(0);
    }
    expect(state.starts).toBe(3);
    expect(await journaled()).toEqual(['failed', 'failed', 'failed']);
    keeper.stop();
  });

  it("are not failed by another process's exit (one a playbook's restart started since)", async () => {
    const { keeper, settle, journaled } = await setUp();
    keeper.onExit('app');
    await settle(keeper.delay('app'));
    // The keeper's start ran as pid 101; a later process (pid 102) of the service exits.
    keeper.onExit('app', 102);
    await settle(0);
    expect(await journaled()).toEqual(['applied']);
    keeper.onExit('app', 101);
    await settle(0);
    expect(await journaled()).toEqual(['failed']);
    keeper.stop();
  });
});
