import { DEFAULT_MINER_OPTIONS, type MinerOptions } from '../../src/detect/logs/index.js';
import { type Accuracy, type LoadedDataset, scoreDataset } from './evaluate.js';

/**
 * Leave-one-set-out cross-validation of the miner's options: for each data set held out, the options are
 * chosen by a grid search on the other sets only (best mean GA, then best mean PA), and the held-out set is
 * mined once with them. What this measures is how the miner does on logs nobody tuned it on, which is the
 * normal case for a user's logs.
 */

/** The options the search varies: every `MinerOptions` field that can change which template a line gets. */
export type TunedOption = 'similarity' | 'depth' | 'maxChildren' | 'maxWordValues' | 'maxTokens';

/**
 * Values tried per option; each list holds the default. `maxClusters` is not searched: it bounds memory
 * (the least recently seen clusters are dropped beyond it), and a 2,000-line set never has as many clusters
 * as its default of 20,000, so on this data every value above a set's cluster count scores the same.
 */
export const GRID: Readonly<Record<TunedOption, readonly number[]>> = {
  similarity: [0.3, 0.4, 0.5, 0.6, 0.7, 0.8],
  depth: [1, 2, 3, 4],
  maxChildren: [3, 10, 100],
  maxWordValues: [0, 1, 2, 3, 4, 6, 8],
  maxTokens: [40, 80],
};

const TUNED = Object.keys(GRID) as TunedOption[];

/** Every combination of the grid's values, the other options at their defaults. */
export function gridPoints(grid: Readonly<Record<TunedOption, readonly number[]>> = GRID): MinerOptions[] {
  let points: MinerOptions[] = [{ ...DEFAULT_MINER_OPTIONS }];
  for (const key of TUNED) points = points.flatMap((p) => grid[key].map((v) => ({ ...p, [key]: v })));
  return points;
}

/** How many tuned options differ from their defaults. */
export function changesFromDefault(p: MinerOptions): number {
  return TUNED.filter((k) => p[k] !== DEFAULT_MINER_OPTIONS[k]).length;
}

const mean = (xs: readonly number[]): number | null =>
  xs.length === 0 ? null : xs.reduce((a, b) => a + b, 0) / xs.length;

/** Mean of a metric over the sets that have it (a set without that ground truth file is left out). */
export function meanOf(scores: readonly Accuracy[], key: 'ga' | 'pa' | 'fga' | 'fta'): number | null {
  return mean(scores.flatMap((s) => (s[key] === null ? [] : [s[key] as number])));
}

/** Means that differ by less than this are a tie (sums of k/2000 in another order can differ in the last bit). */
const TIE = 1e-9;

/**
 * The index of the point to use, from `scores[point][trainingSet]`: the best mean GA, then the best mean PA,
 * then the fewest options changed from the defaults, then the first in grid order.
 */
export function choose(points: readonly MinerOptions[], scores: readonly (readonly Accuracy[])[]): number {
  let best = -1;
  let bestGa = -1;
  let bestPa = -1;
  let bestChanges = Number.POSITIVE_INFINITY;
  for (let i = 0; i < points.length; i++) {
    const ga = meanOf(scores[i] as Accuracy[], 'ga') ?? 0;
    const pa = meanOf(scores[i] as Accuracy[], 'pa') ?? 0;
    const changes = changesFromDefault(points[i] as MinerOptions);
    const better =
      ga > bestGa + TIE ||
      (ga > bestGa - TIE && (pa > bestPa + TIE || (pa > bestPa - TIE && changes < bestChanges)));
    if (better) {
      best = i;
      bestGa = ga;
      bestPa = pa;
      bestChanges = changes;
    }
  }
  return best;
}

export interface Fold {
  heldOut: string;
  chosen: MinerOptions;
  /** Mean GA and PA of the chosen options over the training sets. */
  trainGa: number | null;
  trainPa: number | null;
  /** The held-out set mined with the chosen options. */
  cv: Accuracy;
  /** The held-out set mined with the defaults, for comparison. */
  byDefault: Accuracy;
}

export interface Averages {
  ga: number | null;
  pa: number | null;
  fga: number | null;
  fta: number | null;
}

const averages = (scores: readonly Accuracy[]): Averages => ({
  ga: meanOf(scores, 'ga'),
  pa: meanOf(scores, 'pa'),
  fga: meanOf(scores, 'fga'),
  fta: meanOf(scores, 'fta'),
});

export interface CvResult {
  grid: number;
  folds: Fold[];
  /** Means over the held-out sets, mined with their chosen options and with the defaults. */
  average: Averages;
  defaultAverage: Averages;
  /** Lines mined by the search, and the CPU milliseconds it took. */
  minedLines: number;
  cpuMs: number;
}

/**
 * Runs the folds. A (set, point) score is computed once and reused by every fold that trains on that set:
 * the same choice as recomputing it, in an eighth of the time. The held-out set's score at the grid points
 * is never looked at when choosing.
 */
export function crossValidate(
  sets: readonly LoadedDataset[],
  opts: {
    points?: readonly MinerOptions[];
    progress?: (fold: number, point: number, total: number) => void;
  } = {},
): CvResult {
  const points = opts.points ?? gridPoints();
  const memo = new Map<string, Accuracy>();
  let minedLines = 0;
  const score = (set: number, options: MinerOptions): Accuracy => {
    const key = `${set}:${JSON.stringify(options)}`;
    let s = memo.get(key);
    if (!s) {
      const data = sets[set] as LoadedDataset;
      s = scoreDataset(data, options);
      minedLines += data.contents.length;
      memo.set(key, s);
    }
    return s;
  };
  const start = process.cpuUsage();
  const folds: Fold[] = [];
  for (let k = 0; k < sets.length; k++) {
    const train = sets.map((_, j) => j).filter((j) => j !== k);
    const scores = points.map((p, i) => {
      opts.progress?.(k, i, points.length);
      return train.map((j) => score(j, p));
    });
    const pick = choose(points, scores);
    const chosen = points[pick] as MinerOptions;
    folds.push({
      heldOut: (sets[k] as LoadedDataset).name,
      chosen,
      trainGa: meanOf(scores[pick] as Accuracy[], 'ga'),
      trainPa: meanOf(scores[pick] as Accuracy[], 'pa'),
      cv: score(k, chosen),
      byDefault: score(k, { ...DEFAULT_MINER_OPTIONS }),
    });
  }
  const used = process.cpuUsage(start);
  return {
    grid: points.length,
    folds,
    average: averages(folds.map((f) => f.cv)),
    defaultAverage: averages(folds.map((f) => f.byDefault)),
    minedLines,
    cpuMs: (used.user + used.system) / 1000,
  };
}
