/**
 * The replica lease under a stalled store, on a real PostgreSQL: two replicas, each with its own pool and a
 * real Scheduler running its share of checks (as the daemon wires them), record every run's span. A pool
 * with every connection held must not cost the lease; a lease whose writes stall must fence its replica
 * before the other takes its checks; in no case does one check run on both replicas at once.
 */
import pg from 'pg';
import { afterEach, describe, expect, it } from 'vitest';
import type { CheckConfig } from '../config/index.js';
import { RealClock } from '../core/index.js';
import { type ScheduledCheck, Scheduler } from '../sources/index.js';
import { sharedPostgres } from '../store/pg.fixture.js';
import { openPostgresStore, type PostgresStore } from '../store/postgres.js';
import { Replica } from './replica.js';

const server = sharedPostgres();
const HEARTBEAT = 500;
const EXPIRY = 4_000;
const CHECK_EVERY = 200;
const RUN_MS = 20;

const CHECKS: ScheduledCheck[] = Array.from({ length: 40 }, (_, i) => ({
  service: `svc-${i}`,
  name: 'up',
  config: { interval: CHECK_EVERY, timeout: 1_000, down_after: 1, up_after: 1 } as unknown as CheckConfig,
}));

interface Span {
  key: string;
  replica: string;
  start: number;
  end: number;
}

const clock = new RealClock();
const now = () => performance.now();
const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

async function until(what: string, pred: () => boolean, timeoutMs = 20_000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!pred()) {
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await sleep(20);
  }
}

/** One replica as the daemon wires it: its share of CHECKS scheduled, rescheduled on every change. */
function member(store: PostgresStore, id: string, spans: Span[]) {
  const active: { at: number; active: boolean }[] = [];
  const views: { at: number; live: readonly string[] }[] = [];
  const scheduler = new Scheduler({
    clock,
    spreadFirstRun: 'interval',
    run: async (c, signal) => {
      const span = { key: c.service, replica: id, start: now(), end: Number.POSITIVE_INFINITY };
      spans.push(span);
      try {
        await clock.sleep(RUN_MS, signal);
        return { ok: true, latencyMs: RUN_MS, message: 'ok' };
      } finally {
        span.end = now();
      }
    },
    onResult: () => {},
  });
  const reschedule = () => scheduler.setChecks(replica.share(CHECKS, (c) => c.service));
  const replica: Replica = new Replica({
    store,
    clock,
    id,
    heartbeatMs: HEARTBEAT,
    expiryMs: EXPIRY,
    onChange: (live) => {
      views.push({ at: now(), live });
      reschedule();
    },
    onActive: (a) => {
      active.push({ at: now(), active: a });
      reschedule();
    },
  });
  return {
    replica,
    scheduler,
    active,
    views,
    async start() {
      await replica.start();
      reschedule();
      scheduler.start();
    },
    async stop() {
      scheduler.stop();
      await replica.stop();
    },
  };
}

/** Pairs of runs of one check on two replicas that overlapped in time. */
function doubleRuns(spans: readonly Span[]): [Span, Span][] {
  const byKey = new Map<string, Span[]>();
  for (const s of spans) byKey.set(s.key, [...(byKey.get(s.key) ?? []), s]);
  const out: [Span, Span][] = [];
  for (const list of byKey.values()) {
    for (let i = 0; i < list.length; i++) {
      for (let j = i + 1; j < list.length; j++) {
        const a = list[i]!;
        const b = list[j]!;
        if (a.replica !== b.replica && a.start < b.end && b.start < a.end) out.push([a, b]);
      }
    }
  }
  return out;
}

const ranSince = (spans: readonly Span[], t: number, replica?: string) =>
  new Set(
    spans.filter((s) => s.start >= t && (replica === undefined || s.replica === replica)).map((s) => s.key),
  );

describe('replica lease on PostgreSQL', () => {
  const cleanup: (() => Promise<void>)[] = [];
  afterEach(async () => {
    for (const f of cleanup.splice(0).reverse()) await f().catch(() => {});
  });

  it('keeps the lease while the pool is stalled, fences a stalled lease, and never runs a check twice at once', async () => {
    const url = await server().createDatabase();
    // A's pool: two connections, and a wait for one long enough to outlast the stall below.
    const storeA = await openPostgresStore({ url, poolSize: 2, connectTimeoutMs: 60_000 });
    const storeB = await openPostgresStore({ url, poolSize: 2 });
    cleanup.push(
      () => storeA.close(),
      () => storeB.close(),
    );
    const spans: Span[] = [];
    const a = member(storeA, 'rA', spans);
    const b = member(storeB, 'rB', spans);
    cleanup.push(
      () => a.stop(),
      () => b.stop(),
    );
    await a.start();
    await b.start();
    await until('both replicas active with disjoint shares', () => {
      const sa = a.replica.share(CHECKS, (c) => c.service).length;
      const sb = b.replica.share(CHECKS, (c) => c.service).length;
      return a.replica.active && b.replica.active && sa > 0 && sb > 0 && sa + sb === CHECKS.length;
    });
    // B joined second: it waited for A to see it.
    expect(b.active[0]!.at).toBeGreaterThan(a.views.find((v) => v.live.includes('rB'))!.at);

    // 1. Every connection of A's pool held: A's store can do nothing, its lease goes on.
    const held = [await storeA.pool.connect(), await storeA.pool.connect()];
    let pooledQueryDone = false;
    const pooled = storeA.latestProbes().finally(() => {
      pooledQueryDone = true;
    });
    const stallFrom = now();
    await sleep(1.5 * EXPIRY);
    expect(pooledQueryDone).toBe(false); // the stall was real
    expect(a.active.filter((e) => e.at >= stallFrom)).toEqual([]); // never fenced
    expect(a.replica.active).toBe(true);
    expect(b.views.filter((v) => v.at >= stallFrom)).toEqual([]); // B never saw A go
    expect(ranSince(spans, stallFrom, 'rA').size).toBe(a.replica.share(CHECKS, (c) => c.service).length);
    for (const c of held) c.release();
    await pooled;

    // 2. A's own lease writes stall (its row locked by another session): A fences itself before B takes over.
    const admin = new pg.Client({ connectionString: url });
    await admin.connect();
    cleanup.push(() => admin.end());
    await admin.query('BEGIN');
    await admin.query('SELECT id FROM replicas WHERE id = $1 FOR UPDATE', ['rA']);
    const lockFrom = now();
    await until('B to count A dead', () => b.views.some((v) => v.at >= lockFrom && !v.live.includes('rA')));
    const fenced = a.active.find((e) => e.at >= lockFrom && !e.active);
    const dropped = b.views.find((v) => v.at >= lockFrom && !v.live.includes('rA'))!;
    expect(fenced).toBeDefined();
    expect(fenced!.at).toBeLessThan(dropped.at);
    await sleep(3 * CHECK_EVERY);
    expect(ranSince(spans, now() - 2 * CHECK_EVERY, 'rB').size).toBe(CHECKS.length); // B runs them all
    await admin.query('ROLLBACK');

    // 3. A returns: it runs its share again only after B has seen it and let that share go.
    const backFrom = now();
    await until('A active again', () => a.active.some((e) => e.at >= backFrom && e.active));
    const back = a.active.find((e) => e.at >= backFrom && e.active)!;
    const seen = b.views.find((v) => v.at >= backFrom && v.live.includes('rA'))!;
    expect(seen).toBeDefined();
    expect(back.at).toBeGreaterThan(seen.at);
    await sleep(4 * CHECK_EVERY);
    const settled = now() - 2 * CHECK_EVERY;
    expect(ranSince(spans, settled).size).toBe(CHECKS.length); // no check left behind
    expect(ranSince(spans, settled, 'rA').size).toBeGreaterThan(0);

    await a.stop();
    await b.stop();
    expect(spans.length).toBeGreaterThan(1000);
    expect(doubleRuns(spans)).toEqual([]);
  }, 90_000);
});
