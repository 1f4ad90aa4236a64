import type { CostProfile, ProfileName } from './corpus.js';
import { normalize, optimizeThreshold, type SweptFile, scoreFile, sweep } from './scorer.js';

/**
 * Leave-one-category-out cross-validation of NAB scores. For each category (a folder of data/), every choice
 * the harness makes by looking at scores and labels (which configuration of the detector, the alarm threshold
 * of each profile) is made on the other categories only, then applied unchanged to the held-out category. The
 * held-out raw scores, summed over every category, are normalised as NAB normalises a corpus: the figure is
 * what the detector would score on categories it was never tuned on.
 *
 * A series' anomaly scores depend on that series and the detector's options only (a fresh detector per
 * series, streaming, no look-ahead), so each configuration runs once over the corpus and every fold reuses
 * the run: only the choices depend on the fold.
 */

/** What the folds need of a series: its category and its labels (windows as inclusive row ranges). */
export interface CvSeries {
  category: string;
  length: number;
  windows: readonly [number, number][];
}

/** One configuration of the detector, with its scores for every series of the corpus, in corpus order. */
export interface Candidate {
  label: string;
  scores: readonly ArrayLike<number>[];
}

export type PerProfile<T> = Record<ProfileName, T>;

export interface CvFold {
  /** The held-out category. */
  category: string;
  series: number;
  windows: number;
  /** Index into the candidates of the configuration chosen on the other categories. */
  candidate: number;
  /** Each profile's threshold, chosen on the other categories. */
  thresholds: PerProfile<number>;
  /** The training score (normalised over the other categories) of the choice: what the choice was made on. */
  trained: PerProfile<number>;
  /** NAB raw score of the held-out series at the chosen threshold. */
  raw: PerProfile<number>;
  /** The held-out raw score normalised over this category's windows; null when it has none. */
  scores: PerProfile<number | null>;
}

export interface CvResult {
  /** Held-out raw scores of all categories, normalised over all windows of the corpus. */
  scores: PerProfile<number>;
  windows: number;
  folds: CvFold[];
}

/** Categories in corpus order (first appearance). */
export function categoriesOf(series: readonly { category: string }[]): string[] {
  return [...new Set(series.map((s) => s.category))];
}

export interface CvOptions {
  /** Profile whose training score picks the configuration (one configuration per fold, as one deployment). */
  select?: ProfileName;
  /** Called before each fold, for progress reports (k from 1). */
  onFold?: (k: number, n: number, category: string) => void;
}

/**
 * Runs the folds. The configuration of a fold is the candidate with the best `select` training score (at its
 * own optimised threshold; the first best wins, so the first candidate wins ties); then each profile's
 * threshold is NAB's optimiser (every distinct score a candidate threshold) over the training series of that
 * candidate.
 */
export function leaveOneCategoryOut(
  series: readonly CvSeries[],
  profiles: Readonly<Record<ProfileName, CostProfile>>,
  candidates: readonly Candidate[],
  opts: CvOptions = {},
): CvResult {
  const names = Object.keys(profiles) as ProfileName[];
  const select = opts.select ?? 'standard';
  if (!names.includes(select)) throw new Error(`cv: no profile ${select}`);
  if (candidates.length === 0) throw new Error('cv: no candidate configuration');
  for (const c of candidates)
    if (c.scores.length !== series.length)
      throw new Error(`cv: ${c.label} scores ${c.scores.length} series, the corpus has ${series.length}`);
  const categories = categoriesOf(series);
  if (categories.length < 2) throw new Error('cv: leave-one-category-out needs at least two categories');

  const swept = {} as PerProfile<SweptFile[]>;
  for (const p of names) swept[p] = series.map((s) => sweep(s.length, s.windows, profiles[p]));
  const files = (p: ProfileName, c: number, idx: readonly number[]) =>
    idx.map((i) => ({ swept: swept[p][i]!, scores: candidates[c]!.scores[i]!, windows: series[i]!.windows }));

  const totalRaw = Object.fromEntries(names.map((p) => [p, 0])) as PerProfile<number>;
  const folds: CvFold[] = [];
  categories.forEach((category, k) => {
    opts.onFold?.(k + 1, categories.length, category);
    const train: number[] = [];
    const test: number[] = [];
    series.forEach((s, i) => {
      (s.category === category ? test : train).push(i);
    });
    // The configuration: chosen on the training series alone.
    let candidate = 0;
    let bestTrained = -Infinity;
    candidates.forEach((_, c) => {
      const got = optimizeThreshold(files(select, c, train), profiles[select]).normalized;
      if (got > bestTrained) {
        bestTrained = got;
        candidate = c;
      }
    });
    const fold: CvFold = {
      category,
      series: test.length,
      windows: test.reduce((n, i) => n + series[i]!.windows.length, 0),
      candidate,
      thresholds: {} as PerProfile<number>,
      trained: {} as PerProfile<number>,
      raw: {} as PerProfile<number>,
      scores: {} as PerProfile<number | null>,
    };
    for (const p of names) {
      const chosen = optimizeThreshold(files(p, candidate, train), profiles[p]);
      fold.thresholds[p] = chosen.threshold;
      fold.trained[p] = chosen.normalized;
      // Applied unchanged to the held-out category.
      const raw = files(p, candidate, test).reduce(
        (n, f) => n + scoreFile(f.swept, f.scores, profiles[p], chosen.threshold),
        0,
      );
      fold.raw[p] = raw;
      fold.scores[p] = fold.windows > 0 ? normalize(raw, fold.windows, profiles[p]) : null;
      totalRaw[p] += raw;
    }
    folds.push(fold);
  });
  const windows = series.reduce((n, s) => n + s.windows.length, 0);
  const scores = Object.fromEntries(
    names.map((p) => [p, normalize(totalRaw[p], windows, profiles[p])]),
  ) as PerProfile<number>;
  return { scores, windows, folds };
}

/** Scores a subset of the corpus at fixed thresholds (a published detector's stored ones), normalised over it. */
export function scoreCategory(
  series: readonly CvSeries[],
  scores: readonly ArrayLike<number>[],
  profiles: Readonly<Record<ProfileName, CostProfile>>,
  thresholds: Partial<PerProfile<number>>,
  category: string,
): Partial<PerProfile<number | null>> {
  const out: Partial<PerProfile<number | null>> = {};
  for (const p of Object.keys(profiles) as ProfileName[]) {
    const th = thresholds[p];
    if (th === undefined) continue;
    let raw = 0;
    let windows = 0;
    series.forEach((s, i) => {
      if (s.category !== category) return;
      windows += s.windows.length;
      raw += scoreFile(sweep(s.length, s.windows, profiles[p]), scores[i]!, profiles[p], th);
    });
    out[p] = windows > 0 ? normalize(raw, windows, profiles[p]) : null;
  }
  return out;
}

/** `key=v1,v2,...` flags to every combination of the values, in flag order (the first value of each first). */
export function parseGrid(flags: readonly string[]): Record<string, number>[] {
  let combos: Record<string, number>[] = [{}];
  const keys = new Set<string>();
  for (const flag of flags) {
    const m = /^([A-Za-z_][\w-]*)=(.+)$/.exec(flag.trim());
    if (!m) throw new Error(`--grid ${flag}: expected key=v1,v2,...`);
    if (keys.has(m[1]!)) throw new Error(`--grid ${m[1]} given twice`);
    keys.add(m[1]!);
    const values = m[2]!.split(',').map((v) => {
      const x = Number(v.trim());
      if (v.trim() === '' || !Number.isFinite(x)) throw new Error(`--grid ${flag}: "${v}" is not a number`);
      return x;
    });
    combos = combos.flatMap((c) => values.map((v) => ({ ...c, [m[1]!]: v })));
  }
  return combos;
}
