import { afterEach, describe, expect, it } from 'vitest';
import { Bus, SimulatedClock } from '../core/index.js';
import type { Notification } from '../notify/index.js';
import { Journal } from '../remediate/index.js';
import { openSqliteStore, type SqliteStore } from '../store/index.js';
import { subscribeActionNotices } from './action-notices.js';

const stores: SqliteStore[] = [];
afterEach(async () => {
  for (const s of stores.splice(0)) await s.close();
});

async function setup() {
  const store = await openSqliteStore({ dir: ':memory:' });
  stores.push(store);
  const bus = new Bus();
  const clock = new SimulatedClock();
  const journal = new Journal(store, bus, clock);
  const sent: Notification[] = [];
  const errors: unknown[] = [];
  // The notices read the journal before they send: tracking those reads tells when nothing is in flight.
  const pending = new Set<Promise<unknown>>();
  const notices = subscribeActionNotices({
    bus,
    store: {
      journal: (id) => {
        const p = store.journal(id);
        pending.add(p);
        p.then(
          () => pending.delete(p),
          () => pending.delete(p),
        );
        return p;
      },
      listActions: (f) => store.listActions(f),
    },
    send: async (n) => void sent.push(n),
    onError: (e) => errors.push(e),
  });
  const plan = (id: string, step: number, state: 'awaiting_approval' | 'planned', runId = 'run_1') =>
    journal.intend(
      {
        id,
        incidentId: 'inc_1',
        service: 'api',
        playbook: 'restart-api',
        step,
        kind: 'restart',
        params: { runId, description: 'restart api' },
        state,
        dryRun: false,
        reason: 'policy asks for approval',
      },
      'planned',
    );
  /** Resolves once no journal read is in flight; a notice decided from one has been sent by then. */
  const idle = async () => {
    while (pending.size > 0) await Promise.allSettled([...pending]);
  };
  /** Waits (on a condition, not a fixed sleep) until `n` notices were sent, then until nothing is in flight. */
  const settle = async (n: number) => {
    const deadline = Date.now() + 10_000;
    while (sent.length < n && Date.now() < deadline) await new Promise((r) => setTimeout(r, 5));
    await idle();
  };
  return { store, journal, sent, errors, notices, plan, settle };
}

describe('action notices', () => {
  it('a heal waiting for approval is sent once per run, with how to approve it; its expiry is sent', async () => {
    const { journal, sent, plan, settle, errors } = await setup();
    await plan('act_1', 0, 'awaiting_approval');
    await plan('act_2', 1, 'awaiting_approval');
    await settle(1);
    expect(sent.map((n) => n.event)).toEqual(['action.awaiting_approval']);
    expect(sent[0]).toMatchObject({
      key: 'action.awaiting_approval|run_1',
      service: 'api',
      incidentId: 'inc_1',
      data: {
        approve: { actionId: 'act_1', cli: 'medic approve act_1', api: 'POST /api/actions/act_1/approve' },
      },
    });
    await journal.move('act_1', 'skipped', 'approval expired after 1h', 'medic', 'awaiting_approval');
    await journal.move('act_2', 'skipped', 'approval expired after 1h', 'medic', 'awaiting_approval');
    await settle(2);
    expect(sent.map((n) => n.event)).toEqual(['action.awaiting_approval', 'action.expired']);
    expect(sent[1]).toMatchObject({ key: 'action.expired|run_1' });
    expect(sent[1]!.message).toContain('approval expired after 1h');
    expect(errors).toEqual([]);
  });

  it('a rejection is not sent back; a heal skipped without ever waiting is no expiry', async () => {
    const { journal, sent, plan, settle } = await setup();
    await plan('act_1', 0, 'awaiting_approval');
    await journal.move('act_1', 'skipped', 'rejected by alice', 'alice', 'awaiting_approval');
    await plan('act_2', 0, 'planned', 'run_2');
    await journal.move('act_2', 'skipped', 'the guard refused it');
    await settle(1);
    expect(sent.map((n) => n.event)).toEqual(['action.awaiting_approval']);
  });

  it('a failed step is sent with why it failed, keyed by the step', async () => {
    const { journal, sent, plan, settle } = await setup();
    await plan('act_1', 0, 'planned');
    await journal.move('act_1', 'applied', 'restarted');
    await journal.move('act_1', 'failed', 'still down after 15s');
    await settle(1);
    expect(sent).toHaveLength(1);
    expect(sent[0]).toMatchObject({ event: 'action.failed', key: 'action.failed|act_1' });
    expect(sent[0]!.message).toContain('still down after 15s');
  });

  it("a keepalive start that fails (a crash loop's every start) is not sent; a heal's failed step still is", async () => {
    const { journal, sent, plan, settle } = await setup();
    for (let i = 1; i <= 3; i++) {
      await journal.intend(
        {
          id: `act_keep_${i}`,
          incidentId: 'inc_1',
          service: 'api',
          playbook: 'keepalive',
          step: 0,
          kind: 'restart',
          params: { runId: `run_keep_${i}`, description: 'start api again (keepalive)' },
          state: 'planned',
          dryRun: false,
          reason: 'api is not running',
        },
        'planned',
      );
      await journal.move(`act_keep_${i}`, 'applied', 'started');
      await journal.move(`act_keep_${i}`, 'failed', 'api exited 1s after this start');
    }
    await plan('act_1', 0, 'planned');
    await journal.move('act_1', 'failed', 'still down after 15s');
    await settle(1);
    expect(sent.map((n) => n.key)).toEqual(['action.failed|act_1']);
  });

  it('catches up at start-up on heals already waiting (the same key: sent once by the outbox)', async () => {
    const { sent, plan, settle, notices } = await setup();
    await plan('act_1', 0, 'awaiting_approval');
    await settle(1);
    await notices.catchUp();
    await settle(2);
    expect(sent.map((n) => n.key)).toEqual([
      'action.awaiting_approval|run_1',
      'action.awaiting_approval|run_1',
    ]);
  });
});
