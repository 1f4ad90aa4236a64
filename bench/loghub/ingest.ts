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
