import { resolve } from 'node:path';
import { parseArgs } from 'node:util';
import { DRAIN_GA, DRAIN_PA } from './drain.js';
import { type DatasetResult, evaluateDataset, findDatasets } from './evaluate.js';
import { ingestThroughput, storeIngestThroughput } from './ingest.js';

/**
 * `npm run bench:loghub -- --data DIR [--json]`: mines every Loghub-layout data set in DIR with the same
 * settings and reports GA (original ground truth), PA (corrected ground truth) and lines per second beside
 * Drain's published figures, then the end-to-end ingestion rate from a tailed file.
 */
const { values } = parseArgs({
  options: { data: { type: 'string' }, json: { type: 'boolean', default: false } },
});
const dir = values.data ?? resolve(import.meta.dirname, '../../../shared/bench/loghub');
const datasets = findDatasets(dir);
if (datasets.length === 0)
  throw new Error(`no data sets (a folder with *_2k.log and log_format.txt) in ${dir}`);

const results: DatasetResult[] = datasets.map((ds) => evaluateDataset(ds));
const mean = (xs: number[]) => (xs.length === 0 ? null : xs.reduce((a, b) => a + b, 0) / xs.length);
const avgGa = mean(results.flatMap((r) => (r.ga === null ? [] : [r.ga])));
const avgPa = mean(results.flatMap((r) => (r.pa === null ? [] : [r.pa])));

if (values.json) {
  const out: Record<string, { ga: number | null; pa: number | null; lines_per_sec: number }> = {};
  for (const r of results) out[r.name] = { ga: r.ga, pa: r.pa, lines_per_sec: r.linesPerSec };
  console.log(JSON.stringify({ datasets: out, average: { ga: avgGa, pa: avgPa } }, null, 2));
} else {
  const f = (x: number | null | undefined) => (x === null || x === undefined ? '  -  ' : x.toFixed(3));
  console.log(`Loghub-2k in ${dir} (GA: original ground truth; PA: corrected ground truth)\n`);
  console.log('data set      GA   Drain GA     PA   Drain PA  templates   lines/s (miner)');
  for (const r of results) {
    console.log(
      `${r.name.padEnd(11)} ${f(r.ga)}   ${f(DRAIN_GA[r.name])}    ${f(r.pa)}   ${f(DRAIN_PA[r.name])}   ${String(r.templates).padStart(8)}   ${r.linesPerSec.toLocaleString('en-US').padStart(12)}`,
    );
  }
  const drainOf = (table: Record<string, number>) =>
    mean(results.flatMap((r) => (r.name in table ? [table[r.name] as number] : [])));
  console.log(
    `${'average'.padEnd(11)} ${f(avgGa)}   ${f(drainOf(DRAIN_GA))}    ${f(avgPa)}   ${f(drainOf(DRAIN_PA))}`,
  );
  const slowest = Math.min(...results.map((r) => r.linesPerSec));
  console.log(
    `\nminer alone: slowest data set ${slowest.toLocaleString('en-US')} lines/s (one core, no I/O)`,
  );
  let lines = 0;
  let ms = 0;
  for (const ds of datasets) {
    const rate = await ingestThroughput(ds, 100_000);
    lines += 100_000;
    ms += (100_000 / rate) * 1000;
  }
  console.log(
    `end to end (tailed file → header parse → mining, no store): ${Math.round((lines / ms) * 1000).toLocaleString('en-US')} lines/s`,
  );
  let storeLines = 0;
  let storeMs = 0;
  for (const ds of datasets) {
    const r = await storeIngestThroughput(ds, 200_000);
    storeLines += r.lines;
    storeMs += (r.lines / r.linesPerSec) * 1000;
    console.log(
      `  ${ds.name.padEnd(11)} tailed file → parse → mine → classify → SQLite store: ${r.linesPerSec.toLocaleString('en-US')} lines/s`,
    );
  }
  console.log(
    `end to end into the store (LogPipeline, SQLite, one transaction per 20,000 lines; CPU time after a warm-up pass): ${Math.round((storeLines / storeMs) * 1000).toLocaleString('en-US')} lines/s`,
  );
}
