import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { TemplateMiner } from '../../src/detect/logs/index.js';
import { compileHeader, FileTailer, MemoryOffsetStore, parseTextLine } from '../../src/sources/logs/index.js';
import type { Dataset } from './evaluate.js';

/**
 * End-to-end ingestion: a file on disk, read by the tailer (line splitting, multi-line joining, offset
 * bookkeeping), each record parsed with its data set's header pattern and mined. No store: this measures
 * what the log path costs before anything is written.
 */
export async function ingestThroughput(ds: Dataset, targetLines = 200_000): Promise<number> {
  const raw = readFileSync(ds.log, 'utf8')
    .split('\n')
    .filter((l) => l !== '');
  const header = compileHeader(readFileSync(ds.format, 'utf8').trim());
  const dir = mkdtempSync(join(tmpdir(), 'medic-ingest-'));
  const file = join(dir, 'app.log');
  const copies = Math.max(1, Math.ceil(targetLines / raw.length));
  const body = `${raw.join('\n')}\n`;
  writeFileSync(file, body.repeat(copies));
  const total = raw.length * copies;
  const miner = new TemplateMiner();
  let seen = 0;
  const tailer = new FileTailer({
    path: file,
    offsets: new MemoryOffsetStore(),
    continuation: null,
    onRecords: (records) => {
      for (const r of records) miner.add(parseTextLine(r.text, header).message);
      seen += records.length;
    },
  });
  const start = performance.now();
  try {
    await tailer.poll();
    if (seen !== total) throw new Error(`ingested ${seen} of ${total} lines`);
    return Math.round((total / (performance.now() - start)) * 1000);
  } finally {
    await tailer.stop();
    rmSync(dir, { recursive: true, force: true });
  }
}

/** What one pass of a file into the store cost. */
export interface StoreIngest {
  /**
   * Lines a second with each of the path's threads on a core of its own (the machine has two): lines over the
   * largest of the main thread's CPU, the log writer thread's CPU and half the process's CPU (every thread,
   * the garbage collector's helpers included). With a single thread at work, it is the one-core figure.
   */
  linesPerSec: number;
  /** Lines per second of the process's CPU, all threads together: what one core does alone. */
  cpuLinesPerSec: number;
  /** Lines per second of wall-clock time, on this machine as loaded as it was. */
  wallLinesPerSec: number;
  lines: number;
  batches: number;
  /** CPU milliseconds: the whole process, its main thread, the log writer thread (null: not told). */
  cpuMs: { process: number; main: number | null; writer: number | null };
}

/**
 * The daemon's log path end to end: a file on disk tailed, each record parsed with the data set's header,
 * mined, classified and stored through the LogPipeline into a SQLite store (template counts, per-minute
 * counts, the lines themselves and the tail position, one transaction per batch), as `medic run` does.
 * Timed in CPU time (process and per thread) after a warm-up pass on another store, so that the figures
 * are what the cores do once the JIT has compiled the path, whatever else runs on the machine.
 */
export async function storeIngestThroughput(ds: Dataset, targetLines = 200_000): Promise<StoreIngest> {
  const raw = readFileSync(ds.log, 'utf8')
    .split('\n')
    .filter((l) => l !== '');
  const dir = mkdtempSync(join(tmpdir(), 'medic-ingest-store-'));
  const file = join(dir, 'app.log');
  const copies = Math.max(1, Math.ceil(targetLines / raw.length));
  writeFileSync(file, `${raw.join('\n')}\n`.repeat(copies));
  const total = raw.length * copies;
  try {
    await storePass(ds, dir, 'warm', file, total);
    const pass = await storePass(ds, dir, 'run', file, total);
    const { main, writer } = pass.cpuMs;
    const critical = Math.max(main ?? pass.cpuMs.process, writer ?? 0, pass.cpuMs.process / 2);
    const rate = (ms: number) => Math.round((total / ms) * 1000);
    return {
      linesPerSec: rate(critical),
      cpuLinesPerSec: rate(pass.cpuMs.process),
      wallLinesPerSec: rate(pass.wallMs),
      lines: total,
      batches: Math.ceil(total / 20_000),
      cpuMs: pass.cpuMs,
    };
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}

/** One pass of the file into a fresh store under `dir/name`: the CPU and wall-clock milliseconds it took. */
async function storePass(
  ds: Dataset,
  dir: string,
  name: string,
  file: string,
  total: number,
): Promise<{ cpuMs: StoreIngest['cpuMs']; wallMs: number }> {
  const { serviceLogsSchema } = await import('../../src/config/schema/logs.js');
  const { LogPipeline } = await import('../../src/daemon/telemetry/log-pipeline.js');
  const { openSqliteStore } = await import('../../src/store/index.js');
  const { threadCpuMs } = await import('../../src/store/thread-cpu.js');
  const { RealClock } = await import('../../src/core/index.js');
  const pino = (await import('pino')).default;
  const store = await openSqliteStore({ dir: join(dir, name) });
  const config = serviceLogsSchema.parse({
    format: readFileSync(ds.format, 'utf8').trim(),
    queue: { capacity: 50_000, batch: 20_000 },
    ...(process.env['NO_LINES'] ? { retention: 0 } : {}),
  });
  const pipeline = new LogPipeline({
    service: ds.name,
    config,
    store,
    clock: new RealClock(),
    logger: pino({ level: 'silent' }),
    onFinding: () => {},
  });
  const key = `${ds.name}:${file}`;
  const tailer = new FileTailer({
    path: file,
    continuation: null,
    onRecords: (records) => pipeline.pushRecords(records, key, `file:${file}`),
  });
  try {
    // The log writer's thread starts with the daemon's first busy write; a long-running daemon has it.
    await store.logWriter.start();
    const writerBefore = store.logWriter.stats().threadCpuMs;
    const mainBefore = threadCpuMs();
    const wallBefore = performance.now();
    const start = process.cpuUsage();
    pipeline.start();
    await tailer.poll();
    await tailer.stop();
    await pipeline.stop();
    const used = process.cpuUsage(start);
    const wallMs = performance.now() - wallBefore;
    const mainAfter = threadCpuMs();
    const writerAfter = store.logWriter.stats().threadCpuMs;
    const s = pipeline.stats();
    if (s.stored !== total) throw new Error(`stored ${s.stored} of ${total} lines`);
    const offset = await store.getLogOffset(key);
    if (!offset) throw new Error('no offset stored');
    return {
      cpuMs: {
        process: (used.user + used.system) / 1000,
        main: mainBefore === null || mainAfter === null ? null : mainAfter - mainBefore,
        writer: writerBefore === null || writerAfter === null ? null : writerAfter - writerBefore,
      },
      wallMs,
    };
  } finally {
    await store.close();
  }
}
