import pino from 'pino';
import { describe, expect, it } from 'vitest';
import { SimulatedClock } from '../core/index.js';
import type { ProbeRecord, Store } from '../store/index.js';
import { PROBE_WRITE_RETRIES, ProbeWriter } from './probe-writer.js';

const rec = (i: number): ProbeRecord =>
  ({ service: 'api', check: 'http', at: i, result: { ok: true } }) as unknown as ProbeRecord;

/** A store whose writes hang until released; it counts the writes it was asked for. */
function hangingStore() {
  const calls: ProbeRecord[][] = [];
  const waiting: (() => void)[] = [];
  const store = {
    recordProbes(recs: readonly ProbeRecord[]) {
      calls.push([...recs]);
      return new Promise<void>((resolve) => waiting.push(resolve));
    },
  } as unknown as Store;
  return {
    store,
    calls,
    release: () => {
      for (const r of waiting.splice(0)) r();
    },
  };
}

describe('ProbeWriter', () => {
  it('keeps one write in flight while the store hangs, buffering up to the cap and counting drops', async () => {
    const clock = new SimulatedClock();
    const { store, calls, release } = hangingStore();
    const writer = new ProbeWriter(store, clock, pino({ level: 'silent' }), {
      intervalMs: 250,
      maxBuffered: 10,
    });

    for (let i = 0; i < 5; i++) writer.add(rec(i));
    await clock.advance(250);
    expect(calls).toHaveLength(1);
    expect(writer.inFlight).toBe(true);

    // 40 intervals of a hung store, 5 results each: nothing queues behind the write in flight but the buffer.
    for (let t = 0; t < 40; t++) {
      for (let i = 0; i < 5; i++) writer.add(rec(1000 + t * 5 + i));
      await clock.advance(250);
    }
    expect(calls).toHaveLength(1);
    expect(writer.buffered).toBe(10);
    expect(writer.dropped).toBe(200 - 10);
    expect(clock.pending()).toBe(0);

    // The store answers: the buffer (the newest 10) goes next, in one write.
    const flushed = writer.flush();
    release();
    await clock.advance(0);
    expect(calls).toHaveLength(2);
    expect(calls[1]!.map((r) => r.at)).toEqual(Array.from({ length: 10 }, (_, i) => 1190 + i));
    release();
    await flushed;
    expect(writer.written).toBe(15);
    expect(writer.inFlight).toBe(false);
  });

  it('flush resolves once everything added before it is stored, and a failed write counts as dropped', async () => {
    const clock = new SimulatedClock();
    const stored: number[] = [];
    let fail = true;
    const store = {
      async recordProbes(recs: readonly ProbeRecord[]) {
        if (fail) throw new Error('disk full');
        stored.push(...recs.map((r) => r.at));
      },
    } as unknown as Store;
    const writer = new ProbeWriter(store, clock, pino({ level: 'silent' }));
    writer.add(rec(1));
    await writer.flush();
    expect(writer.dropped).toBe(1);
    fail = false;
    writer.add(rec(2));
    writer.add(rec(3));
    await writer.flush();
    expect(stored).toEqual([2, 3]);
    expect(writer.written).toBe(2);
    expect(clock.pending()).toBe(0);
  });

  it('tries a failed timed write again with backoff, in order, and drops only after the retries', async () => {
    const clock = new SimulatedClock();
    const t0 = clock.now();
    const stored: number[] = [];
    let failing = 2;
    const tries: number[] = [];
    const store = {
      async recordProbes(recs: readonly ProbeRecord[]) {
        tries.push(clock.now() - t0);
        if (failing-- > 0) throw new Error('timeout exceeded when trying to connect');
        stored.push(...recs.map((r) => r.at));
      },
    } as unknown as Store;
    const writer = new ProbeWriter(store, clock, pino({ level: 'silent' }), { intervalMs: 1000 });
    writer.add(rec(1));
    await clock.advance(1000);
    writer.add(rec(2));
    await clock.advance(1000);
    writer.add(rec(3));
    await clock.advance(2000);
    expect(tries).toEqual([1000, 2000, 4000]);
    expect(stored).toEqual([1, 2, 3]);
    expect(writer.dropped).toBe(0);
    expect(writer.written).toBe(3);
    expect(clock.pending()).toBe(0);

    // A store that stays down: the batch is dropped and counted after PROBE_WRITE_RETRIES more tries.
    failing = Number.POSITIVE_INFINITY;
    tries.length = 0;
    writer.add(rec(4));
    await clock.advance(120_000);
    expect(tries).toHaveLength(PROBE_WRITE_RETRIES + 1);
    expect(writer.dropped).toBe(1);
    expect(writer.buffered).toBe(0);
    expect(clock.pending()).toBe(0);
  });
});
