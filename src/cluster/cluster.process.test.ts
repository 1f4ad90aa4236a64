import { type ChildProcess, spawn } from 'node:child_process';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterEach, describe, expect, it } from 'vitest';
import { actionFixture } from '../store/contract.js';
import { sharedPostgres } from '../store/pg.fixture.js';
import { openPostgresStore, type PostgresStore } from '../store/postgres.js';
import { claimAction } from './claims.js';
import { reassignBoundMs } from './membership.js';
import { assign } from './rendezvous.js';

const here = fileURLToPath(new URL('.', import.meta.url));
const projectRoot = join(here, '..', '..');
const server = sharedPostgres();
const HEARTBEAT = 200;
const EXPIRY = 800;

interface Event {
  id: string;
  at: number;
  live?: string[];
  claimed?: string[];
}

class Child {
  readonly events: Event[] = [];
  private waiters: Array<() => void> = [];
  readonly proc: ChildProcess;
  constructor(url: string, id: string) {
    this.proc = spawn(
      process.execPath,
      ['--import', 'tsx', join(here, 'replica.fixture.ts'), url, id, String(HEARTBEAT), String(EXPIRY)],
      { cwd: projectRoot, stdio: ['ignore', 'pipe', 'inherit'] },
    );
    let buf = '';
    this.proc.stdout?.on('data', (d: Buffer) => {
      buf += d.toString();
      for (let nl = buf.indexOf('\n'); nl >= 0; nl = buf.indexOf('\n')) {
        this.events.push(JSON.parse(buf.slice(0, nl)) as Event);
        buf = buf.slice(nl + 1);
        for (const w of this.waiters.splice(0)) w();
      }
    });
  }
  /** Resolves with the first event matching `pred` (already seen or yet to come). */
  async until(pred: (e: Event) => boolean, timeoutMs = 20_000): Promise<Event> {
    const deadline = Date.now() + timeoutMs;
    for (;;) {
      const hit = this.events.find(pred);
      if (hit) return hit;
      if (Date.now() > deadline) throw new Error(`timed out; events: ${JSON.stringify(this.events)}`);
      await new Promise<void>((resolve) => {
        this.waiters.push(resolve);
        setTimeout(resolve, 100);
      });
    }
  }
}

describe('replicas as real processes', () => {
  const children: Child[] = [];
  const stores: PostgresStore[] = [];
  afterEach(async () => {
    for (const c of children.splice(0)) c.proc.kill('SIGKILL');
    for (const s of stores.splice(0)) await s.close();
  });

  it('moves a SIGKILLed replica’s checks within the bound and reconciles its step exactly once', async () => {
    const url = await server().createDatabase();
    const store = await openPostgresStore({ url });
    stores.push(store);
    const ids = ['p0', 'p1', 'p2'];
    for (const id of ids) children.push(new Child(url, id));
    const [c0, c1, c2] = children as [Child, Child, Child];
    const all = (e: Event) => e.live?.length === 3;
    await Promise.all(children.map((c) => c.until(all)));

    // p2 is mid-step: its action is claimed and unfinished when it is killed.
    // Created now: an old unclaimed action would be fair game for the survivors' orphan scan before p2 claims it.
    const now = Date.now();
    await store.createAction(
      actionFixture({ id: 'act_mid', state: 'applied', createdAt: now, updatedAt: now }),
      'intent',
    );
    expect(await claimAction(store.db, 'act_mid', 'p2', Date.now(), EXPIRY)).toBe(true);

    const killedAt = Date.now();
    c2.proc.kill('SIGKILL');
    const two = (e: Event) => e.at >= killedAt && e.live?.join() === 'p0,p1';
    const [e0, e1] = await Promise.all([c0.until(two), c1.until(two)]);
    const bound = reassignBoundMs(HEARTBEAT, EXPIRY);
    // Slack for two shared cores: the child's event loop and the test's own scheduling.
    for (const e of [e0, e1]) expect(e.at - killedAt).toBeLessThan(bound + 1_000);

    // Both survivors agree on the new split, which covers every check.
    const checks = Array.from({ length: 1000 }, (_, i) => `svc/${i}`);
    const split = assign(checks, ['p0', 'p1']);
    expect((split.get('p0')?.length ?? 0) + (split.get('p1')?.length ?? 0)).toBe(1000);

    const claimed = (e: Event) => e.claimed?.includes('act_mid') === true;
    await Promise.race([c0.until(claimed), c1.until(claimed)]);
    await new Promise((r) => setTimeout(r, 3 * HEARTBEAT)); // give a second (wrong) claim time to show up
    const claimers = [c0, c1].filter((c) => c.events.some(claimed));
    expect(claimers).toHaveLength(1);
    const winner = claimers[0]!.events[0]!.id;
    const holder = await store.db
      .selectFrom('action_claims')
      .select('replica_id')
      .where('action_id', '=', 'act_mid')
      .executeTakeFirst();
    expect(holder?.replica_id).toBe(winner);
  }, 60_000);

  it('claims a fresh step on exactly one of three pools, every time', async () => {
    const url = await server().createDatabase();
    const pools = await Promise.all([0, 1, 2].map(() => openPostgresStore({ url, poolSize: 2 })));
    stores.push(...pools);
    for (const [i, p] of pools.entries()) {
      await p.db
        .insertInto('replicas')
        .values({ id: `q${i}`, started_at: 0, heartbeat_at: Date.now(), info: '{}' })
        .execute();
    }
    for (let round = 0; round < 25; round++) {
      const id = `act_${round}`;
      await pools[0]!.createAction(actionFixture({ id }), 'intent');
      const now = Date.now();
      const won = await Promise.all(pools.map((p, i) => claimAction(p.db, id, `q${i}`, now, 60_000)));
      expect(won.filter(Boolean)).toHaveLength(1);
    }
  });
});
