import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import pino from 'pino';
import { describe, expect, it } from 'vitest';
import { serviceLogsSchema } from '../../config/schema/logs.js';
import { SimulatedClock } from '../../core/index.js';
import { ErrorClassifier, TemplateMiner } from '../../detect/logs/index.js';
import { compileHeader } from '../../sources/logs/index.js';
import { CHUNK_LINES, chunkBodyText, type LogBatch, openSqliteStore, type Store } from '../../store/index.js';
import { chunkLines } from '../../store/queries/logs.js';
import { type LogItem, LogPipeline } from './log-pipeline.js';
import { LogBatchMiner } from './log-pipeline-mine.js';

function pipeline(extra: Partial<ConstructorParameters<typeof LogPipeline>[0]> = {}): LogPipeline {
  return new LogPipeline({
    ...extra,
    service: 'api',
    config: serviceLogsSchema.parse({ format: 'text' }),
    store: extra.store ?? ({} as Store),
    clock: extra.clock ?? new SimulatedClock(0),
    logger: pino({ level: 'silent' }),
    onFinding: () => {},
  });
}

describe('LogPipeline: abuse counting', () => {
  it("hands each pushed line on at the time Medic received it, not the record's own", async () => {
    const seen: [string, number][] = [];
    const clock = new SimulatedClock(5_000_000);
    const q = pipeline({
      clock,
      store: { recordLogBatch: async () => {} } as unknown as Store,
      onLine: (t, at) => seen.push([t, at]),
    });
    // A shipper backfilling: an hour old, then out of order, then without a time.
    q.offerLines(
      [
        { text: 'login failed from 192.0.2.1', at: 1_400_000 },
        { text: 'login failed from 192.0.2.1', at: 9_000_000 },
        { text: 'login failed from 192.0.2.1', at: null },
      ],
      'push',
    );
    await q.stop();
    expect(seen.map(([, at]) => at)).toEqual([5_000_000, 5_000_000, 5_000_000]);
  });
});

describe('LogPipeline: error kinds', () => {
  async function categories(
    format: string,
    lines: string[],
    rules: unknown[] = [],
  ): Promise<(string | null)[]> {
    const written: LogBatch[] = [];
    const p = new LogPipeline({
      service: 'api',
      config: serviceLogsSchema.parse({ format, rules }),
      store: { recordLogBatch: async (b: LogBatch[]) => void written.push(...b) } as unknown as Store,
      clock: new SimulatedClock(0),
      logger: pino({ level: 'silent' }),
      onFinding: () => {},
    });
    p.offerLines(
      lines.map((text) => ({ text, at: 0 })),
      'stdout',
    );
    await p.flush();
    const byExample = new Map<string, string | null>();
    for (const t of written.flatMap((b) => b.templates))
      for (const e of t.examples ?? []) byExample.set(e, t.category);
    return lines.map((l) => (byExample.has(l) ? (byExample.get(l) as string | null) : 'unseen'));
  }

  it("reads a header line's message for the kind, its level as a level, and every field of a JSON record", async () => {
    // The host and the milliseconds would read as a timeout and an HTTP 401 in the whole line.
    expect(
      await categories('<Date> <Time> <Host> <Level> <Content>', [
        '2026-01-02 03:04:05.401 timeout-svc-1 INFO request served',
        '2026-01-02 03:04:06.100 timeout-svc-1 INFO upstream said: connection refused',
        '2026-01-02 03:04:07.100 timeout-svc-1 ERROR cache warm failed',
        'a continuation line without the header: deadline exceeded',
      ]),
    ).toEqual([null, 'connection_refused', 'error', 'timeout']);
    // A configured rule reads the whole line, as its author wrote it for.
    expect(
      await categories(
        '<Date> <Time> <Host> <Level> <Content>',
        ['2026-01-02 03:04:05.401 payments-1 INFO request served'],
        [{ category: 'payments', severity: 'warning', pattern: '^\\S+ \\S+ payments-' }],
      ),
    ).toEqual(['payments']);
    expect(
      await categories('json', [
        '{"level":"info","msg":"request failed","err":"connect ECONNREFUSED 10.0.0.1:5432"}',
      ]),
    ).toEqual(['connection_refused']);
  });
});

describe('LogPipeline: a header line read in place', () => {
  it('mines and classifies the message read in the line as it would the message cut from it', async () => {
    const format = '<Date> <Time> <Level> <Component>: <Content>';
    const messages = [
      'FATAL: disk gone',
      'at com.example.Pool.take(Pool.java:88)',
      'Traceback (most recent call last)',
      'request 17 served in 12ms',
      'request 18 served in 9ms',
      'upstream 10.0.0.7:5432 said: connection refused',
      '429 from the partner api',
      'a429 is a name',
    ];
    const lines = messages.map((m, i) => `2026-01-02 03:04:0${i} INFO web.api: ${m}`);
    const header = compileHeader(format);
    const reference = new TemplateMiner();
    const classifier = new ErrorClassifier();
    for (const l of lines) reference.add((header.parse(l) as { content: string }).content);
    const m = new LogBatchMiner({
      service: 'api',
      config: serviceLogsSchema.parse({ format }),
      clock: new SimulatedClock(0),
      onFinding: () => {},
    });
    m.mine(lines.map((text) => ({ text, at: 0, source: 'stdout' })));
    expect(m.miner.templates().map((t) => m.miner.text(t))).toEqual(
      reference.templates().map((t) => reference.text(t)),
    );
    const batch = m.take();
    const byExample = new Map<string, string | null>();
    for (const t of batch?.templates ?? []) for (const e of t.examples ?? []) byExample.set(e, t.category);
    expect(lines.map((l) => byExample.get(l) ?? null)).toEqual(
      messages.map((msg) => classifier.classify(msg, 'info')?.category ?? null),
    );
    // And the kinds are the ones these messages name (the check is not vacuous).
    expect(lines.map((l) => byExample.get(l) ?? null).filter((c) => c !== null)).toEqual([
      'exception',
      'exception',
      'connection_refused',
      'rate_limit',
    ]);
  });
});

describe('LogPipeline.mine', () => {
  it('counts lines per template and minute, whatever order the minutes come in', async () => {
    const written: LogBatch[] = [];
    const p = pipeline({
      store: { recordLogBatch: async (b: LogBatch[]) => void written.push(...b) } as unknown as Store,
    });
    const at = [0, 1_000, 61_000, 2_000, 125_000, 125_500, 60_000, 3_000];
    p.offerLines(
      at.map((t, i) => ({ text: i % 2 === 0 ? `request ${i} served` : `cache ${i} warmed`, at: t })),
      'stdout',
    );
    await p.flush();
    const counts = new Map<string, number>();
    for (const c of written.flatMap((b) => b.counts ?? [])) {
      const key = `${c.templateId}@${c.bucket}`;
      expect(counts.has(key)).toBe(false);
      counts.set(key, c.count);
    }
    const lines = storedLines(written);
    expect(lines.map((l) => l[0])).toEqual(at);
    const ids = lines.map((l) => l[1]);
    const expected = new Map<string, number>();
    at.forEach((t, i) => {
      const key = `${ids[i]}@${Math.floor(t / 60_000) * 60_000}`;
      expected.set(key, (expected.get(key) ?? 0) + 1);
    });
    expect(counts).toEqual(expected);
    expect(new Set(ids).size).toBe(2);
    expect(written.flatMap((b) => b.templates.map((t) => t.count)).sort()).toEqual([4, 4]);
  });

  it('writes one row per template and minute however many reads were mined before the write', async () => {
    const written: LogBatch[][] = [];
    const p = new LogPipeline({
      service: 'api',
      config: serviceLogsSchema.parse({ format: 'text', queue: { batch: 3 } }),
      store: { recordLogBatch: async (b: LogBatch[]) => void written.push(b) } as unknown as Store,
      clock: new SimulatedClock(0),
      logger: pino({ level: 'silent' }),
      onFinding: () => {},
    });
    const lines = Array.from({ length: 12 }, (_, i) => ({
      text: i % 3 === 0 ? `cache ${i} warmed` : `request ${i} served`,
      at: 1_000 + i,
    }));
    p.offerLines(lines, 'stdout');
    // Mined three lines at a time (the queue's batch), four times, then stored by one write.
    await p.flush();
    expect(written).toHaveLength(1);
    const [batch] = written[0] as LogBatch[];
    expect(batch?.templates.map((t) => t.count).sort()).toEqual([4, 8]);
    expect(batch?.counts?.map((c) => c.count).sort()).toEqual([4, 8]);
    expect(batch?.chunks?.map((c) => c.lines)).toEqual([12]);
  });

  it('encodes a chunk as soon as it is full; the chunk being filled goes with the next write', async () => {
    const written: LogBatch[] = [];
    const p = pipeline({
      store: { recordLogBatch: async (b: LogBatch[]) => void written.push(...b) } as unknown as Store,
    });
    const n = CHUNK_LINES + 500;
    const lines0 = Array.from({ length: n }, (_, i) => ({ text: `job x${i} done\u0000`, at: 1_000 + i }));
    const items: LogItem[] = lines0.map((l) => ({ ...l, source: 'stdout' }));
    const miner = new LogBatchMiner({
      service: 'api',
      config: serviceLogsSchema.parse({ format: 'text' }),
      clock: new SimulatedClock(0),
      onFinding: () => {},
    });
    miner.mine(items);
    expect(miner.encodedChunks).toBe(1);
    expect(miner.take()?.chunks?.map((c) => c.lines)).toEqual([CHUNK_LINES, 500]);
    expect(miner.take()).toBeNull();
    p.offerLines(lines0, 'stdout');
    await p.flush();
    expect(written.flatMap((b) => b.chunks ?? []).map((c) => c.lines)).toEqual([CHUNK_LINES, 500]);
    const lines = storedLines(written);
    expect(lines).toHaveLength(n);
    lines.forEach(([at, templateId, level, source, text], i) => {
      expect([at, level, source, text]).toEqual([1_000 + i, null, 'stdout', `job x${i} done`]);
      expect(templateId).toMatch(/^t[0-9a-f]{8}/);
    });
  });
});

/** The lines of the chunks written, in order. */
function storedLines(batches: LogBatch[]) {
  return batches.flatMap((b) =>
    (b.chunks ?? []).flatMap((c) => chunkLines(chunkBodyText(c.body), c.first_at)),
  );
}

describe('LogPipeline: backpressure', () => {
  it('a tailed file waits once a batch is queued, leaving the rest of the queue to lines that cannot wait', async () => {
    const p = new LogPipeline({
      service: 'api',
      config: serviceLogsSchema.parse({ format: 'text', queue: { capacity: 100, batch: 10 } }),
      store: { recordLogBatch: async () => {} } as unknown as Store,
      clock: new SimulatedClock(0),
      logger: pino({ level: 'silent' }),
      onFinding: () => {},
    });
    const records = Array.from({ length: 50 }, (_, i) => ({
      text: `read ${i}`,
      path: '/x.log',
      dev: 1,
      ino: 2,
      end: (i + 1) * 7,
      lines: 1,
    }));
    let done = false;
    const pushing = p.pushRecords(records, 'k', 'file:/x.log').then(() => {
      done = true;
    });
    await new Promise((r) => setImmediate(r));
    // Not started: nothing drains, so the file stops at the batch, not at the capacity.
    expect(done).toBe(false);
    expect(p.queue.size).toBe(10);
    expect(
      p.offerLines(
        Array.from({ length: 80 }, (_, i) => ({ text: `out ${i}`, at: null })),
        'stdout',
      ),
    ).toBe(80);
    expect(p.queue.stats().dropped).toBe(0);
    p.start();
    await pushing;
    await p.stop();
    expect(p.stats().processed).toBe(130);
  });
  it('a tailed file reads ahead of the miner by about one read, not by a whole batch; every line is stored', async () => {
    let release: () => void = () => {};
    const held = new Promise<void>((r) => {
      release = r;
    });
    const written: number[] = [];
    const p = new LogPipeline({
      service: 'api',
      config: serviceLogsSchema.parse({ format: 'text', queue: { capacity: 50_000, batch: 5000 } }),
      store: {
        recordLogBatch: async (b: LogBatch[]) => {
          written.push(b.reduce((n, x) => n + (x.chunks ?? []).reduce((m, c) => m + c.lines, 0), 0));
          if (written.length === 1) await held;
        },
      } as unknown as Store,
      clock: new SimulatedClock(0),
      logger: pino({ level: 'silent' }),
      onFinding: () => {},
    });
    const records = Array.from({ length: 30_000 }, (_, i) => ({
      text: `read ${i}`,
      path: '/x.log',
      dev: 1,
      ino: 2,
      end: (i + 1) * 10,
      lines: 1,
    }));
    p.start();
    // As a tailer hands them: a read at a time, each after the last was taken.
    const pushing = (async () => {
      for (let i = 0; i < records.length; i += 1500)
        await p.pushRecords(records.slice(i, i + 1500), 'k', 'file:/x.log');
    })();
    for (let i = 0; i < 1000; i++) await new Promise((r) => setImmediate(r));
    // The first write is held, two batches mined after it, and the file read ahead of them by about a read,
    // not by a batch.
    expect(p.stats().processed).toBe(15_000);
    expect(p.queue.size).toBeGreaterThan(0);
    expect(p.queue.size).toBeLessThanOrEqual(2048);
    release();
    await pushing;
    await p.stop();
    // Writes still take whole batches (the second, two: it waited for the first).
    expect(written.slice(0, 2)).toEqual([5000, 10_000]);
    expect(written.every((n) => n % 5000 === 0)).toBe(true);
    expect(written.reduce((a, b) => a + b, 0)).toBe(30_000);
    expect(p.stats().stored).toBe(30_000);
  });
});

describe('LogPipeline: a write in flight', () => {
  it('mines on while a write is in flight, up to two batches; the write after waits for it and takes what was mined; every line lands in order', async () => {
    const dir = await mkdtemp(join(tmpdir(), 'medic-pipeline-'));
    const store = await openSqliteStore({ dir });
    try {
      let release: () => void = () => {};
      const held = new Promise<void>((r) => {
        release = r;
      });
      const started: number[] = [];
      // The real store, its first log write held back until released.
      const gated = new Proxy(store, {
        get(target, key) {
          if (key === 'recordLogBatch')
            return async (b: LogBatch[]) => {
              started.push(b.reduce((n, x) => n + (x.chunks ?? []).reduce((m, c) => m + c.lines, 0), 0));
              if (started.length === 1) await held;
              await target.recordLogBatch(b);
            };
          const v = Reflect.get(target, key);
          return typeof v === 'function' ? v.bind(target) : v;
        },
      }) as Store;
      const p = new LogPipeline({
        service: 'api',
        config: serviceLogsSchema.parse({ format: 'text', queue: { capacity: 10_000, batch: 2500 } }),
        store: gated,
        clock: new SimulatedClock(0),
        logger: pino({ level: 'silent' }),
        onFinding: () => {},
      });
      const records = Array.from({ length: 9000 }, (_, i) => ({
        text: `request ${i} served in ${i % 97} ms`,
        path: '/x.log',
        dev: 1,
        ino: 2,
        end: (i + 1) * 40,
        lines: 1,
      }));
      p.start();
      const pushing = p.pushRecords(records, 'api:/x.log', 'file:/x.log');
      for (let i = 0; i < 10_000 && p.stats().processed < 7500; i++)
        await new Promise((r) => setImmediate(r));
      for (let i = 0; i < 20; i++) await new Promise((r) => setImmediate(r));
      // The first batch is being written; two more are mined, and mining stops there.
      expect(p.stats().processed).toBe(7500);
      expect(started).toEqual([2500]);
      expect(p.stats().stored).toBe(0);
      release();
      await pushing;
      await p.stop();
      expect(started).toEqual([2500, 5000, 1500]);
      expect(p.stats().stored).toBe(9000);
      const lines = await store.logLines({ service: 'api', limit: 10_000 });
      expect(lines.map((l) => l.text)).toEqual(records.map((r) => r.text));
      expect(await store.getLogOffset('api:/x.log')).toEqual({ dev: 1, ino: 2, offset: 9000 * 40 });
    } finally {
      await store.close();
      await rm(dir, { recursive: true, force: true });
    }
  });
});
