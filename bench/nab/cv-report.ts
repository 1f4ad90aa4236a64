import type { DetectorFactory } from '../../src/detect/index.js';
import { type CostProfile, PROFILE_NAMES, type ProfileName, type Series } from './corpus.js';
import {
  type Candidate,
  type CvResult,
  type CvSeries,
  leaveOneCategoryOut,
  type PerProfile,
  parseGrid,
  scoreCategory,
} from './cv.js';
import type { PublishedRun } from './published.js';
import { type RunResult, runCorpus } from './run.js';

/** The `cv` block of `bench:nab --cv --json`. */
export interface CvJson {
  protocol: 'leave-one-category-out';
  /** The detector's held-out scores over the whole corpus (NAB normalisation over all windows). */
  scores: PerProfile<number>;
  /** The published detectors through the same protocol: their thresholds chosen per fold on their own scores. */
  published: Record<string, PerProfile<number>>;
  /** With --grid: the configurations the folds chose from, in order. */
  candidates?: string[];
  per_category: Record<string, CvCategory>;
}

export interface CvCategory {
  series: number;
  windows: number;
  /** Thresholds chosen on the other categories and applied here. */
  thresholds: PerProfile<number>;
  /** With --grid: the detector options chosen on the other categories. */
  options?: Record<string, number>;
  /** Held-out score, normalised over this category's windows (null without windows: see raw). */
  scores: PerProfile<number | null>;
  /** Held-out NAB raw score (what the corpus figure sums; the only figure of a category without windows). */
  raw: PerProfile<number>;
  /** The published detectors on this category at their stored thresholds (the scoreboard's). */
  published: Record<string, Partial<PerProfile<number | null>>>;
  /** The published detectors on this category through the same protocol. */
  published_cv: Record<string, PerProfile<number | null>>;
}

export interface CvInput {
  corpus: readonly Series[];
  profiles: Record<ProfileName, CostProfile>;
  detector: string;
  create: DetectorFactory;
  /** The default run, reused when there is no grid. */
  run: RunResult;
  grid: readonly string[];
  published: Record<string, PublishedRun>;
  /** Progress lines (stderr by default: stdout carries the report). */
  progress?: (line: string) => void;
}

const round = (x: number, digits = 2) => Math.round(x * 10 ** digits) / 10 ** digits;
const roundAll = <T extends number | null>(r: PerProfile<T>, digits = 2): PerProfile<T> =>
  Object.fromEntries(
    PROFILE_NAMES.map((p) => [p, r[p] === null ? null : round(r[p] as number, digits)]),
  ) as PerProfile<T>;

function optionsLabel(options: Record<string, number>): string {
  const kv = Object.entries(options).map(([k, v]) => `${k}=${v}`);
  return kv.length ? kv.join(' ') : 'defaults';
}

/** Runs every configuration of the grid once, then the folds for the detector and each published detector. */
export function crossValidate(input: CvInput): CvJson {
  const progress = input.progress ?? ((line: string) => process.stderr.write(`bench:nab: ${line}\n`));
  const { corpus, profiles } = input;
  const series: CvSeries[] = corpus.map((s) => ({
    category: s.category,
    length: s.values.length,
    windows: s.windows,
  }));
  const grid = input.grid.length ? parseGrid(input.grid) : [];
  const candidates: (Candidate & { options: Record<string, number> })[] = grid.length
    ? grid.map((options, k) => {
        progress(`run ${k + 1} of ${grid.length}: ${input.detector} ${optionsLabel(options)}`);
        return {
          label: optionsLabel(options),
          options,
          scores: runCorpus(corpus, () => input.create(options)).scores,
        };
      })
    : [{ label: 'defaults', options: {}, scores: input.run.scores }];

  const result = leaveOneCategoryOut(series, profiles, candidates, {
    onFold: (k, n, category) => progress(`fold ${k} of ${n}: ${category} held out`),
  });
  const publishedCv: Record<string, CvResult> = {};
  for (const [det, run] of Object.entries(input.published))
    publishedCv[det] = leaveOneCategoryOut(series, profiles, [{ label: det, scores: run.scores }]);

  const perCategory: Record<string, CvCategory> = {};
  result.folds.forEach((f, k) => {
    const row: CvCategory = {
      series: f.series,
      windows: f.windows,
      thresholds: f.thresholds,
      ...(grid.length ? { options: candidates[f.candidate]!.options } : {}),
      scores: roundAll(f.scores),
      raw: roundAll(f.raw, 4),
      published: {},
      published_cv: {},
    };
    for (const [det, run] of Object.entries(input.published)) {
      const stored = scoreCategory(series, run.scores, profiles, run.thresholds, f.category);
      row.published[det] = Object.fromEntries(
        Object.entries(stored).map(([p, v]) => [p, v === null ? null : round(v)]),
      );
      row.published_cv[det] = roundAll(publishedCv[det]!.folds[k]!.scores);
    }
    perCategory[f.category] = row;
  });
  return {
    protocol: 'leave-one-category-out',
    scores: roundAll(result.scores),
    published: Object.fromEntries(Object.entries(publishedCv).map(([d, r]) => [d, roundAll(r.scores)])),
    ...(grid.length ? { candidates: candidates.map((c) => c.label) } : {}),
    per_category: perCategory,
  };
}

const cell = (x: number | null | undefined, width = 9) => (x == null ? '—' : x.toFixed(2)).padStart(width);

/** The text report's cv section, after the in-sample one. */
export function printCv(cv: CvJson, detector: string): void {
  const cats = Object.entries(cv.per_category);
  console.log('');
  console.log(
    `leave-one-category-out: each category scored at the thresholds${cv.candidates ? ` and detector options (of ${cv.candidates.length})` : ''} chosen on the other ${cats.length - 1} categories`,
  );
  console.log(`${'detector'.padEnd(28)}${PROFILE_NAMES.map((p) => p.padStart(20)).join('')}`);
  const rows: [string, PerProfile<number>][] = [
    [`medic ${detector}`, cv.scores],
    ...Object.entries(cv.published).map(([d, s]): [string, PerProfile<number>] => [
      `${d} (same protocol)`,
      s,
    ]),
  ];
  rows.sort((a, b) => b[1].standard - a[1].standard);
  for (const [d, s] of rows)
    console.log(`${d.padEnd(28)}${PROFILE_NAMES.map((p) => s[p].toFixed(2).padStart(20)).join('')}`);
  const dets = Object.keys(cv.published);
  const head = [`medic ${detector}`, ...dets.map((d) => `${d} (stored)`)];
  console.log(
    `${'held out'.padEnd(24)}${'windows'.padStart(8)}${head.map((h) => `  ${h.padEnd(27)}`).join('')}  Δ standard`,
  );
  console.log(
    `${''.padEnd(32)}${head.map(() => `  ${'std'.padStart(9)}${'lowFP'.padStart(9)}${'lowFN'.padStart(9)}`).join('')}`,
  );
  for (const [c, r] of cats) {
    const mine = PROFILE_NAMES.map((p) => cell(r.scores[p])).join('');
    const theirs = dets
      .map((d) => `  ${PROFILE_NAMES.map((p) => cell(r.published[d]?.[p])).join('')}`)
      .join('');
    const diffs = dets
      .map((d) => {
        const a = r.scores.standard;
        const b = r.published[d]?.standard;
        return a == null || b == null ? '' : `${d} ${(a - b >= 0 ? '+' : '') + (a - b).toFixed(2)}`;
      })
      .filter(Boolean)
      .join(', ');
    const raw = r.windows === 0 ? `  (no windows; raw ${r.raw.standard.toFixed(2)})` : '';
    console.log(`  ${c.padEnd(22)}${String(r.windows).padStart(8)}  ${mine}${theirs}  ${diffs}${raw}`);
  }
  console.log('thresholds chosen without each category:');
  for (const [c, r] of cats)
    console.log(
      `  ${c.padEnd(22)}  ${PROFILE_NAMES.map((p) => r.thresholds[p].toPrecision(6)).join(' / ')}${r.options ? `  ${optionsLabel(r.options)}` : ''}`,
    );
}
