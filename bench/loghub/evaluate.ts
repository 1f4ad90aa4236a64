import { existsSync, readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { type MinerOptions, TemplateMiner } from '../../src/detect/logs/index.js';
import { compileHeader } from '../../src/sources/logs/index.js';
import { column, parseCsv } from './csv.js';
import { groupingAccuracy, parsingAccuracy } from './metrics.js';

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

export interface DatasetResult {
  name: string;
  lines: number;
  /** Lines whose header did not match the pattern (mined whole). */
  headerMisses: number;
  ga: number | null;
  pa: number | null;
  /** GA against the corrected ground truth, for reference. */
  gaCorrected: number | null;
  templates: number;
  linesPerSec: number;
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
  const { contents, misses } = loadContents(ds);
  const parsed = mine(contents, options);
  const truthOf = (file: string | null, col: string) =>
    file ? column(parseCsv(readFileSync(file, 'utf8')), col).slice(0, contents.length) : null;
  const ids = truthOf(ds.structured, 'EventId');
  const corrected = truthOf(ds.corrected, 'EventTemplate');
  return {
    name: ds.name,
    lines: contents.length,
    headerMisses: misses,
    ga: ids ? groupingAccuracy(ids, parsed) : null,
    pa: corrected ? parsingAccuracy(corrected, parsed) : null,
    gaCorrected: corrected ? groupingAccuracy(corrected, parsed) : null,
    templates: new Set(parsed).size,
    linesPerSec: minerThroughput(contents),
  };
}
