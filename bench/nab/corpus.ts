import { existsSync, readdirSync, readFileSync } from 'node:fs';
import path from 'node:path';

/**
 * Reading a NAB-layout folder: data/<category>/<series>.csv, labels/combined_windows.json, config/*.json and
 * results/<detector>/<category>/<detector>_<series>.csv. Nothing here knows the categories in advance: the
 * harness must run unchanged on categories it has never seen.
 */

export interface Series {
  /** "category/file.csv", the key NAB's label file uses. */
  key: string;
  category: string;
  file: string;
  /** Epoch ms of each row, in file order. */
  timestamps: Float64Array;
  values: Float64Array;
  /** The original timestamp text, to write result files NAB can read back. */
  stamps: string[];
  /** Label windows as inclusive row-index ranges into the full file. */
  windows: [number, number][];
}

export interface CostProfile {
  tpWeight: number;
  fpWeight: number;
  fnWeight: number;
}

export type ProfileName = 'standard' | 'reward_low_FP_rate' | 'reward_low_FN_rate';
export const PROFILE_NAMES: readonly ProfileName[] = ['standard', 'reward_low_FP_rate', 'reward_low_FN_rate'];

/** NAB timestamps are "YYYY-MM-DD HH:MM:SS[.ffffff]", read as UTC (only equality and order matter). */
export function parseStamp(text: string): number {
  const m = /^(\d{4})-(\d\d)-(\d\d)[ T](\d\d):(\d\d):(\d\d)(?:\.(\d+))?/.exec(text.trim());
  if (!m) throw new Error(`bad NAB timestamp "${text}"`);
  const ms = m[7] ? Math.round(Number(`0.${m[7]}`) * 1000) : 0;
  return Date.UTC(+m[1]!, +m[2]! - 1, +m[3]!, +m[4]!, +m[5]!, +m[6]!, ms);
}

/** A two-or-more column CSV with a header: returns the rows as string cells. */
function readCsv(file: string): { header: string[]; rows: string[][] } {
  const lines = readFileSync(file, 'utf8')
    .split(/\r?\n/)
    .filter((l) => l.length > 0);
  const header = (lines.shift() ?? '').split(',').map((h) => h.trim());
  return { header, rows: lines.map((l) => l.split(',')) };
}

/** Reads one `timestamp,value` series (as the `medic detect` verb does too). */
export function readSeriesCsv(file: string): {
  stamps: string[];
  timestamps: Float64Array;
  values: Float64Array;
} {
  const { header, rows } = readCsv(file);
  const ti = Math.max(0, header.indexOf('timestamp'));
  const vi = header.indexOf('value') >= 0 ? header.indexOf('value') : ti === 0 ? 1 : 0;
  const stamps = rows.map((r) => (r[ti] ?? '').trim());
  const timestamps = Float64Array.from(stamps, parseStamp);
  const values = Float64Array.from(rows, (r) => Number(r[vi]));
  return { stamps, timestamps, values };
}

export function loadLabels(dir: string): Record<string, [string, string][]> {
  return JSON.parse(readFileSync(path.join(dir, 'labels', 'combined_windows.json'), 'utf8'));
}

/** Every series under data/, in a stable order, with its windows mapped to row indices. */
export function loadCorpus(dir: string): Series[] {
  const dataDir = path.join(dir, 'data');
  if (!existsSync(dataDir)) throw new Error(`no NAB data under ${dataDir}`);
  const labels = loadLabels(dir);
  const out: Series[] = [];
  for (const category of readdirSync(dataDir).sort()) {
    const catDir = path.join(dataDir, category);
    for (const file of readdirSync(catDir).sort()) {
      if (!file.endsWith('.csv')) continue;
      const key = `${category}/${file}`;
      const { stamps, timestamps, values } = readSeriesCsv(path.join(catDir, file));
      const index = new Map<number, number>();
      timestamps.forEach((t, i) => {
        index.set(t, i);
      });
      const windows = (labels[key] ?? []).map(([a, b]): [number, number] => {
        const l = index.get(parseStamp(a));
        const r = index.get(parseStamp(b));
        if (l === undefined || r === undefined) throw new Error(`${key}: window ${a}..${b} not on a row`);
        return [l, r];
      });
      out.push({ key, category, file, timestamps, values, stamps, windows });
    }
  }
  return out;
}

export function loadProfiles(dir: string): Record<ProfileName, CostProfile> {
  const raw = JSON.parse(readFileSync(path.join(dir, 'config', 'profiles.json'), 'utf8'));
  const out = {} as Record<ProfileName, CostProfile>;
  for (const p of PROFILE_NAMES) {
    const c = raw[p]?.CostMatrix;
    if (!c) throw new Error(`profile ${p} missing from config/profiles.json`);
    out[p] = { tpWeight: c.tpWeight, fpWeight: c.fpWeight, fnWeight: c.fnWeight };
  }
  return out;
}

export type StoredThresholds = Record<string, Partial<Record<ProfileName, { threshold: number }>>>;

export function loadThresholds(dir: string): StoredThresholds {
  const file = path.join(dir, 'config', 'thresholds.json');
  return existsSync(file) ? JSON.parse(readFileSync(file, 'utf8')) : {};
}

/** Detectors with a results folder. */
export function publishedDetectors(dir: string): string[] {
  const resDir = path.join(dir, 'results');
  if (!existsSync(resDir)) return [];
  return readdirSync(resDir, { withFileTypes: true })
    .filter((d) => d.isDirectory())
    .map((d) => d.name)
    .sort();
}

/**
 * A published detector's scores for one series, aligned by row position as NAB does; null when the detector
 * has no result file for it (then it cannot be compared on this corpus).
 */
export function readPublishedScores(dir: string, detector: string, s: Series): Float64Array | null {
  const file = path.join(dir, 'results', detector, s.category, `${detector}_${s.file}`);
  if (!existsSync(file)) return null;
  const { header, rows } = readCsv(file);
  const ci = header.indexOf('anomaly_score');
  if (ci < 0) throw new Error(`${file}: no anomaly_score column`);
  if (rows.length !== s.values.length)
    throw new Error(`${file}: ${rows.length} rows, data has ${s.values.length}`);
  return Float64Array.from(rows, (r) => Number(r[ci]));
}
