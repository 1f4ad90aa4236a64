import { existsSync, readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { type MinerOptions, TemplateMiner } from '../../src/detect/logs/index.js';
import { compileHeader } from '../../src/sources/logs/index.js';
import { column, parseCsv } from './csv.js';
import { groupingAccuracy, groupingF1, parsingAccuracy, templateF1 } from './metrics.js';

/** One data set in Loghub's layout: any folder with a `*_2k.log` and a `log_format.txt`. */
export interface Dataset {
  name: string;
  log: string;
  format: string;
  /** Original ground truth (ICSE'19), for GA. */
  structured: string | null;
  /** Corrected ground truth (ICSE'22 / Loghub-2.0), for PA. */
  corrected: string | null;
}

export function findDatasets(dir: string): Dataset[] {
  if (!existsSync(dir)) throw new Error(`no Loghub data at ${dir}`);
  const out: Dataset[] = [];
  for (const entry of readdirSync(dir, { withFileTypes: true })) {
    if (!entry.isDirectory()) continue;
    const folder = join(dir, entry.name);
    const files = readdirSync(folder);
    const log = files.find((f) => f.endsWith('_2k.log'));
    if (!log || !files.includes('log_format.txt')) continue;
    const has = (f: string) => (files.includes(f) ? join(folder, f) : null);
    out.push({
      name: entry.name,
      log: join(folder, log),
      format: join(folder, 'log_format.txt'),
      structured: has(`${log}_structured.csv`),
      corrected: has(`${log}_structured_corrected.csv`),
    });
  }
  return out.sort((a, b) => a.name.localeCompare(b.name));
}

export interface DatasetResult extends Accuracy {
  name: string;
  lines: number;
  /** Lines whose header did not match the pattern (mined whole). */
  headerMisses: number;
  linesPerSec: number;
}

/** A data set read once: the message of every line and its ground truths, aligned by position. */
export interface LoadedDataset {
  name: string;
  contents: string[];
  /** Lines whose header did not match the pattern (mined whole). */
  misses: number;
  /** Original ground truth's EventId per line (GA), or null without that file. */
  ids: string[] | null;
  /** Corrected ground truth's EventTemplate per line (PA, FGA, FTA), or null without that file. */
  corrected: string[] | null;
}

export function loadDataset(ds: Dataset): LoadedDataset {
  const { contents, misses } = loadContents(ds);
  const truthOf = (file: string | null, col: string) =>
    file ? column(parseCsv(readFileSync(file, 'utf8')), col).slice(0, contents.length) : null;
  return {
    name: ds.name,
    contents,
    misses,
    ids: truthOf(ds.structured, 'EventId'),
    corrected: truthOf(ds.corrected, 'EventTemplate'),
  };
}

/** GA against the original ground truth; PA, FGA and FTA (as Loghub-2.0 reports them) against the corrected one. */
export interface Accuracy {
  ga: number | null;
  pa: number | null;
  /** GA against the corrected ground truth, for reference. */
  gaCorrected: number | null;
  fga: number | null;
  fta: number | null;
  templates: number;
}

/** Mines a loaded data set with `options` and scores every line's final template. */
export function scoreDataset(data: LoadedDataset, options?: Partial<MinerOptions>): Accuracy {
  const parsed = mine(data.contents, options);
  const { ids, corrected } = data;
  return {
    ga: ids ? groupingAccuracy(ids, parsed) : null,
    pa: corrected ? parsingAccuracy(corrected, parsed) : null,
    gaCorrected: corrected ? groupingAccuracy(corrected, parsed) : null,
    fga: corrected ? groupingF1(corrected, parsed).f1 : null,
    fta: corrected ? templateF1(corrected, parsed).f1 : null,
    templates: new Set(parsed).size,
  };
}

/** The message part of every line, as logparser's loader cuts it. */
export function loadContents(ds: Dataset): { contents: string[]; misses: number } {
  const header = compileHeader(readFileSync(ds.format, 'utf8').trim());
  const lines = readFileSync(ds.log, 'utf8').split('\n');
  if (lines[lines.length - 1] === '') lines.pop();
  let misses = 0;
  const contents = lines.map((l) => {
    const parsed = header.parse(l.replace(/\r$/, ''));
    if (!parsed) misses++;
    return parsed ? parsed.content : l.trim();
  });
  return { contents, misses };
}

/** Mines the contents once; returns each line's final template text (templates generalise after a line). */
export function mine(contents: readonly string[], options?: Partial<MinerOptions>): string[] {
  const miner = new TemplateMiner(options);
  const assigned = contents.map((c) => miner.add(c).template);
  const text = new Map<string, string>();
  return assigned.map((t) => {
    const r = miner.resolve(t);
    let s = text.get(r.id);
    if (s === undefined) {
      s = miner.text(r);
      text.set(r.id, s);
    }
    return s;
  });
}

/**
 * Lines per second of the miner alone (no header parsing, no I/O), over repeated fresh passes. Timed in CPU
 * time of this process (process.cpuUsage), so that other work on a shared machine does not count against it:
 * the figure is what one core does.
 */
export function minerThroughput(contents: readonly string[], minMs = 500): number {
  // One pass first so that the JIT has compiled the hot paths: a daemon runs for days.
  const warm = new TemplateMiner();
  for (const c of contents) warm.add(c);
  let lines = 0;
  const start = process.cpuUsage();
  let elapsed = 0;
  do {
    const miner = new TemplateMiner();
    for (const c of contents) miner.add(c);
    lines += contents.length;
    const used = process.cpuUsage(start);
    elapsed = (used.user + used.system) / 1000;
  } while (elapsed < minMs);
  return Math.round((lines / elapsed) * 1000);
}

export function evaluateDataset(ds: Dataset, options?: Partial<MinerOptions>): DatasetResult {
  const data = loadDataset(ds);
  return {
    name: ds.name,
    lines: data.contents.length,
    headerMisses: data.misses,
    ...scoreDataset(data, options),
    linesPerSec: minerThroughput(data.contents),
  };
}
