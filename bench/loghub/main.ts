import { resolve } from 'node:path';
import { parseArgs } from 'node:util';
import type { MinerOptions } from '../../src/detect/logs/index.js';
import { type CvResult, crossValidate, GRID } from './cv.js';
import { DRAIN_FGA, DRAIN_GA, DRAIN_PA } from './drain.js';
import { type DatasetResult, evaluateDataset, findDatasets, loadDataset } from './evaluate.js';
import { type FormatResult, formatThroughputs } from './formats.js';
import { ingestThroughput, storeIngestThroughput } from './ingest.js';

/**
 * `npm run bench:loghub -- --data DIR [--json] [--cv]`: mines every Loghub-layout data set in DIR with the
 * same settings and reports GA (original ground truth), PA, FGA and FTA (corrected ground truth) and lines per
 * second beside Drain's published figures, then the end-to-end ingestion rate from a tailed file. With `--cv`,
 * also leave-one-set-out cross-validation: each set mined with the options chosen on the other sets only
 * (cv.ts). With `--formats`, also the speed and template count on the synthetic logs of formats unlike these
 * sets (formats.ts). Progress goes to stderr.
 */
const { values } = parseArgs({
  options: {
    data: { type: 'string' },
    json: { type: 'boolean', default: false },
    cv: { type: 'boolean', default: false },
    formats: { type: 'boolean', default: false },
  },
});
const dir = values.data ?? resolve(import.meta.dirname, '../../../shared/bench/loghub');
const datasets = findDatasets(dir);
if (datasets.length === 0)
  throw new Error(`no data sets (a folder with *_2k.log and log_format.txt) in ${dir}`);

const results: DatasetResult[] = datasets.map((ds) => evaluateDataset(ds));
const mean = (xs: number[]) => (xs.length === 0 ? null : xs.reduce((a, b) => a + b, 0) / xs.length);
const avgOf = (key: 'ga' | 'pa' | 'fga' | 'fta') =>
  mean(results.flatMap((r) => (r[key] === null ? [] : [r[key] as number])));

const cv = values.cv ? runCv() : null;
let formats: FormatResult[] | null = null;
if (values.formats) {
  process.stderr.write('synthetic formats\n');
  formats = await formatThroughputs();
}

if (values.json) {
  const out: Record<
    string,
    {
      ga: number | null;
      pa: number | null;
      fga: number | null;
      fta: number | null;
      lines_per_sec: number;
      store_lines_per_sec: number;
      store_lines_per_sec_core_a_thread: number;
      store_wall_lines_per_sec: number;
    }
  > = {};
  for (const r of results) {
    process.stderr.write(`store ingestion: ${r.name}\n`);
    const ds = datasets.find((d) => d.name === r.name);
    const store = ds ? await storeIngestThroughput(ds, 200_000) : null;
    out[r.name] = {
      ga: r.ga,
      pa: r.pa,
      fga: r.fga,
      fta: r.fta,
      lines_per_sec: r.linesPerSec,
      // Per CPU second of the whole process, as every figure before the log writer thread: what was
      // measured. With a core for each thread, a projection from each thread's CPU, is given beside it.
      store_lines_per_sec: store?.cpuLinesPerSec ?? 0,
      store_lines_per_sec_core_a_thread: store?.linesPerSec ?? 0,
      store_wall_lines_per_sec: store?.wallLinesPerSec ?? 0,
    };
  }
  const average = { ga: avgOf('ga'), pa: avgOf('pa'), fga: avgOf('fga'), fta: avgOf('fta') };
  console.log(
    JSON.stringify(
      {
        datasets: out,
        average,
        ...(cv ? { cv: cvJson(cv) } : {}),
        ...(formats ? { formats: Object.fromEntries(formats.map(({ name, ...r }) => [name, r])) } : {}),
      },
      null,
      2,
    ),
  );
} else {
  console.log(`Loghub-2k in ${dir} (GA: original ground truth; PA, FGA, FTA: corrected ground truth)\n`);
  console.log(
    'data set      GA   Drain GA     PA   Drain PA    FGA  Drain FGA    FTA  templates   lines/s (miner)',
  );
  for (const r of results) {
    console.log(
      `${r.name.padEnd(11)} ${f(r.ga)}   ${f(DRAIN_GA[r.name])}    ${f(r.pa)}   ${f(DRAIN_PA[r.name])}    ${f(r.fga)}   ${f(DRAIN_FGA[r.name])}    ${f(r.fta)}   ${String(r.templates).padStart(8)}   ${r.linesPerSec.toLocaleString('en-US').padStart(12)}`,
    );
  }
  console.log(
    `${'average'.padEnd(11)} ${f(avgOf('ga'))}   ${f(drainOf(DRAIN_GA))}    ${f(avgOf('pa'))}   ${f(drainOf(DRAIN_PA))}    ${f(avgOf('fga'))}   ${f(drainOf(DRAIN_FGA))}    ${f(avgOf('fta'))}`,
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
      `  ${ds.name.padEnd(11)} tailed file → parse → mine → classify → SQLite store: ${r.linesPerSec.toLocaleString('en-US')} lines/s (a core per thread; ${r.cpuLinesPerSec.toLocaleString('en-US')} per CPU second of the process; ${r.wallLinesPerSec.toLocaleString('en-US')} by the wall clock here)`,
    );
  }
  console.log(
    `end to end into the store (LogPipeline, SQLite, one transaction per 20,000 lines written on the log writer's thread; CPU time after a warm-up pass, a core per thread): ${Math.round((storeLines / storeMs) * 1000).toLocaleString('en-US')} lines/s`,
  );
  if (cv) printCv(cv);
  if (formats) {
    console.log(
      '\nSynthetic formats unlike these sets (src/detect/logs/formats.fixture.ts, 2,000 lines each, with a header):',
    );
    for (const r of formats)
      console.log(
        `  ${r.name.padEnd(15)} templates ${r.templates} of ${r.kinds} kinds, miner ${r.lines_per_sec.toLocaleString('en-US')} lines/s, into the store ${r.store_lines_per_sec.toLocaleString('en-US')} lines/s`,
      );
  }
}

function f(x: number | null | undefined): string {
  return x === null || x === undefined ? '  -  ' : x.toFixed(3);
}

function drainOf(table: Record<string, number>): number | null {
  return mean(results.flatMap((r) => (r.name in table ? [table[r.name] as number] : [])));
}

function runCv(): CvResult {
  const sets = datasets.map(loadDataset);
  const tty = process.stderr.isTTY;
  let lastShown = -1;
  const result = crossValidate(sets, {
    progress: (fold, point, total) => {
      const line = `cross-validation: fold ${fold + 1} of ${sets.length} (held out ${sets[fold]?.name}), grid point ${point + 1} of ${total}`;
      if (tty) process.stderr.write(`\r${line}`);
      else {
        // Without a terminal: about ten lines per fold.
        const step = Math.floor((point * 10) / total);
        if (point === 0 || step !== lastShown) process.stderr.write(`${line}\n`);
        lastShown = step;
      }
    },
  });
  if (tty) process.stderr.write('\n');
  return result;
}

/** The chosen options under their medic.yaml names (`max_tokens` is MinerOptions' only: no config key). */
function chosenOf(o: MinerOptions) {
  return {
    similarity: o.similarity,
    depth: o.depth,
    max_children: o.maxChildren,
    max_word_values: o.maxWordValues,
    max_tokens: o.maxTokens,
  };
}

function cvJson(r: CvResult) {
  const sets: Record<string, unknown> = {};
  for (const fold of r.folds) {
    const { ga, pa, fga, fta } = fold.cv;
    const d = fold.byDefault;
    sets[fold.heldOut] = {
      ga,
      pa,
      fga,
      fta,
      default: { ga: d.ga, pa: d.pa, fga: d.fga, fta: d.fta },
      drain_ga: DRAIN_GA[fold.heldOut] ?? null,
      chosen: chosenOf(fold.chosen),
      train: { ga: fold.trainGa, pa: fold.trainPa },
    };
  }
  return {
    datasets: sets,
    average: r.average,
    default_average: r.defaultAverage,
    grid: { points: r.grid, values: GRID },
    cpu_seconds: Math.round(r.cpuMs) / 1000,
  };
}

function printCv(r: CvResult) {
  const values = Object.entries(GRID)
    .map(([k, v]) => `${k} ${v.join('|')}`)
    .join(', ');
  console.log(
    `\nLeave-one-set-out cross-validation: for each held-out set, the options with the best mean GA (then PA) on the other ${r.folds.length - 1} sets,\nof ${r.grid} grid points (${values})\n`,
  );
  console.log(
    'held out    GA cv  GA def  Drain GA   PA cv  PA def   FGA cv FGA def   FTA cv FTA def   chosen (similarity depth children words tokens)   train GA',
  );
  for (const fold of r.folds) {
    const c = fold.cv;
    const d = fold.byDefault;
    const o = fold.chosen;
    const chosen = `${o.similarity} ${o.depth} ${o.maxChildren} ${o.maxWordValues} ${o.maxTokens}`;
    console.log(
      `${fold.heldOut.padEnd(11)} ${f(c.ga)}  ${f(d.ga)}   ${f(DRAIN_GA[fold.heldOut])}    ${f(c.pa)}  ${f(d.pa)}    ${f(c.fga)}  ${f(d.fga)}    ${f(c.fta)}  ${f(d.fta)}    ${chosen.padEnd(48)}  ${f(fold.trainGa)}`,
    );
  }
  const a = r.average;
  const da = r.defaultAverage;
  const drain = mean(r.folds.flatMap((x) => (x.heldOut in DRAIN_GA ? [DRAIN_GA[x.heldOut] as number] : [])));
  console.log(
    `${'average'.padEnd(11)} ${f(a.ga)}  ${f(da.ga)}   ${f(drain)}    ${f(a.pa)}  ${f(da.pa)}    ${f(a.fga)}  ${f(da.fga)}    ${f(a.fta)}  ${f(da.fta)}`,
  );
  console.log(
    `\nsearch: ${r.minedLines.toLocaleString('en-US')} lines mined and scored in ${(r.cpuMs / 1000).toFixed(1)} s of CPU`,
  );
}
