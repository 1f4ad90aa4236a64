import pino from 'pino';
import { describe, expect, it } from 'vitest';
import { serviceLogsSchema } from '../src/config/schema/logs.js';
import { RealClock } from '../src/core/index.js';
import { LogPipeline } from '../src/daemon/telemetry/log-pipeline.js';
import { openSqliteStore, type Store } from '../src/store/index.js';
import { tempDir } from './helpers.js';

/** A store whose log writes take a fixed time per batch: the pipeline's sustainable rate is known. */
function throttled(store: Store, msPerBatch: number): Store {
  return new Proxy(store, {
    get(target, prop, receiver) {
      if (prop === 'recordLogBatch')
        return async (b: Parameters<Store['recordLogBatch']>[0]) => {
          await new Promise((r) => setTimeout(r, msPerBatch));
          return target.recordLogBatch(b);
        };
      const v = Reflect.get(target, prop, receiver);
      return typeof v === 'function' ? v.bind(target) : v;
    },
  });
}

describe('logs: a flood of 10× the sustainable rate', () => {
  it('keeps memory bounded, drops and counts the excess, and stores every line it accepted', async () => {
    const store = await openSqliteStore({ dir: await tempDir() });
    const BATCH = 1000;
    const MS_PER_BATCH = 200; // sustainable: 1000 lines / 200 ms = 5,000 lines/s
    const sustainable = (BATCH * 1000) / MS_PER_BATCH;
    const config = serviceLogsSchema.parse({ queue: { capacity: 5000, batch: BATCH }, retention: '1h' });
    const pipeline = new LogPipeline({
      service: 'flood',
      config,
      store: throttled(store, MS_PER_BATCH),
      clock: new RealClock(),
      logger: pino({ level: 'silent' }),
      onFinding: () => {},
    });
    pipeline.start();
    global.gc?.();
    const heapBefore = process.memoryUsage().heapUsed;
    let heapPeak = heapBefore;
    const seconds = 2;
    const rate = sustainable * 10;
    let produced = 0;
    const started = Date.now();
    let lastOffer = started;
    while (Date.now() - started < seconds * 1000) {
      // Every ~10 ms, the lines due by now at 10× the sustainable rate: paced by the wall clock, so a late
      // timer on a loaded machine makes a bigger batch, not a lower rate.
      const due = Math.floor(((Date.now() - started) / 1000) * rate) - produced;
      const lines = Array.from({ length: Math.max(0, due) }, () => ({
        text: `2026-01-01T00:00:00Z ERROR payment ${produced++} declined for user ${produced % 977}`,
        at: null,
      }));
      pipeline.offerLines(lines, 'stdout');
      lastOffer = Date.now();
      heapPeak = Math.max(heapPeak, process.memoryUsage().heapUsed);
      await new Promise((r) => setTimeout(r, 10));
    }
    // Up to the last batch offered: the final timer's lateness is no part of the rate produced.
    const elapsed = (lastOffer - started) / 1000;
    await pipeline.stop();
    const s = pipeline.stats();
    console.log(
      `flood: ${produced} lines in ${elapsed.toFixed(1)} s (${Math.round(produced / elapsed)}/s, sustainable ${sustainable}/s): ` +
        `accepted ${s.enqueued}, dropped ${s.dropped}, stored ${s.stored}, queue high water ${s.highWater}, ` +
        `heap +${((heapPeak - heapBefore) / 1e6).toFixed(1)} MB`,
    );
    expect(produced / elapsed).toBeGreaterThan(sustainable * 9);
    expect(s.enqueued + s.dropped).toBe(produced);
    expect(s.dropped).toBeGreaterThan(produced * 0.7);
    expect(s.highWater).toBeLessThanOrEqual(5000);
    expect(s.stored).toBe(s.enqueued);
    expect(heapPeak - heapBefore).toBeLessThan(96e6);
    const { items } = await store.listLogTemplates({ service: 'flood' });
    expect(items.reduce((a, t) => a + t.count, 0)).toBe(s.enqueued);
    expect(await store.logLines({ service: 'flood', limit: produced })).toHaveLength(s.enqueued);
    await store.close();
  }, 30_000);
});
