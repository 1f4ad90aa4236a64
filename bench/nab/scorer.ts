import type { CostProfile } from './corpus.js';

/**
 * NAB's scoring (nab/sweeper.py, scorer.py, optimizer.py, runner.normalize), ported row for row so that the
 * published results score to the published figures. See NOTES.md §3 of the benchmark folder.
 */

/** NAB's scaled sigmoid: +1 well before a window's end, -1 well after it. */
export function scaledSigmoid(y: number): number {
  return y > 3 ? -1 : 2 / (1 + Math.exp(5 * y)) - 1;
}

/** Rows scored nowhere: the first 15% of a file, at most 750 rows. */
export function probationRows(n: number, fraction = 0.15): number {
  return Math.min(Math.floor(fraction * n), fraction * 5000);
}

/** One file's rows as the sweeper sees them: per-row weight if detected, and which window it falls in. */
export interface SweptFile {
  /** Index of the first scorable row (the probationary period ends there). */
  start: number;
  /** S(t) for a detection at row t (positive in windows, negative outside). */
  weight: Float64Array;
  /** Window number of the row, -1 outside every window. */
  window: Int32Array;
  /** Windows that have at least one scorable row: only these count as TP or FN. */
  scoredWindows: number;
}

/** Sweeper.calcSweepScore: windows are inclusive row ranges, sorted and disjoint (as the labeler makes them). */
export function sweep(n: number, windows: readonly [number, number][], p: CostProfile): SweptFile {
  const start = probationRows(n);
  const weight = new Float64Array(n);
  const window = new Int32Array(n).fill(-1);
  const maxTP = scaledSigmoid(-1);
  let w = 0;
  let inWindow = false;
  let prevRight = -1;
  let prevWidth = 0;
  for (let i = 0; i < n; i++) {
    const cur = windows[w];
    if (!inWindow && cur && i === cur[0]) inWindow = true;
    if (inWindow && cur) {
      const width = cur[1] - cur[0] + 1;
      weight[i] = (scaledSigmoid(-(cur[1] - i + 1) / width) * p.tpWeight) / maxTP;
      window[i] = w;
      if (i === cur[1]) {
        inWindow = false;
        prevRight = cur[1];
        prevWidth = width;
        w++;
      }
    } else if (prevRight < 0) {
      weight[i] = -p.fpWeight;
    } else {
      // A one-row window would divide by zero in NAB too (Python raises); labels never make one.
      weight[i] = scaledSigmoid(Math.abs(prevRight - i) / (prevWidth - 1)) * p.fpWeight;
    }
  }
  let scoredWindows = 0;
  for (const [, r] of windows) if (r >= start) scoredWindows++;
  return { start, weight, window, scoredWindows };
}

/** Score of one file at threshold θ: a row is a detection iff its anomaly score ≥ θ. */
export function scoreFile(
  f: SweptFile,
  scores: ArrayLike<number>,
  p: CostProfile,
  threshold: number,
): number {
  const best = new Map<number, number>();
  let fp = 0;
  for (let i = f.start; i < scores.length; i++) {
    if ((scores[i] as number) < threshold) continue;
    const w = f.window[i] as number;
    if (w < 0) fp += f.weight[i] as number;
    else best.set(w, Math.max(best.get(w) ?? -Infinity, f.weight[i] as number));
  }
  let total = fp;
  const counted = new Set<number>();
  for (let i = f.start; i < f.window.length; i++) if ((f.window[i] as number) >= 0) counted.add(f.window[i]!);
  for (const w of counted) total += best.get(w) ?? -p.fnWeight;
  return total;
}

export interface ScoredCorpus {
  threshold: number;
  raw: number;
  /** 0 = the null detector, 100 = one detection at the start of every window and nothing else. */
  normalized: number;
}

/** runner.normalize: perfect = every labelled window at full TP weight; null = every window missed. */
export function normalize(raw: number, windows: number, p: CostProfile): number {
  const perfect = windows * p.tpWeight;
  const nul = -windows * p.fnWeight;
  return perfect === nul ? 0 : (100 * (raw - nul)) / (perfect - nul);
}

/** Counts the labelled windows, which is what NAB's perfect score is built from. */
export function windowCount(files: readonly { windows: readonly unknown[] }[]): number {
  return files.reduce((n, f) => n + f.windows.length, 0);
}

/** Scores a corpus at one threshold (the published, stored thresholds). */
export function scoreCorpus(
  files: readonly { swept: SweptFile; scores: ArrayLike<number>; windows: readonly unknown[] }[],
  p: CostProfile,
  threshold: number,
): ScoredCorpus {
  let raw = 0;
  for (const f of files) raw += scoreFile(f.swept, f.scores, p, threshold);
  return { threshold, raw, normalized: normalize(raw, windowCount(files), p) };
}

/**
 * optimizer.py with Sweeper.calcScoreByThreshold: every distinct score is a candidate threshold (and 1.1,
 * nothing detected); the first best in descending order wins. One sort of all scorable rows, then one pass.
 */
export function optimizeThreshold(
  files: readonly { swept: SweptFile; scores: ArrayLike<number>; windows: readonly unknown[] }[],
  p: CostProfile,
): ScoredCorpus {
  let total = 0;
  for (const f of files) total += f.swept.start < f.scores.length ? f.scores.length - f.swept.start : 0;
  const score = new Float64Array(total);
  const weight = new Float64Array(total);
  const win = new Int32Array(total);
  let k = 0;
  let windowBase = 0;
  let raw = 0;
  for (const f of files) {
    const seen = new Set<number>();
    for (let i = f.swept.start; i < f.scores.length; i++, k++) {
      score[k] = f.scores[i] as number;
      weight[k] = f.swept.weight[i] as number;
      const w = f.swept.window[i] as number;
      win[k] = w < 0 ? -1 : windowBase + w;
      if (w >= 0) seen.add(w);
    }
    raw -= seen.size * p.fnWeight;
    windowBase += f.windows.length;
  }
  const order = Uint32Array.from({ length: total }, (_, i) => i).sort((a, b) => score[b]! - score[a]!);
  const best = new Float64Array(windowBase).fill(-p.fnWeight);
  let bestRaw = raw;
  let bestThreshold = 1.1;
  for (let j = 0; j < total; ) {
    const th = score[order[j]!]!;
    // Every row at this score becomes a detection together.
    for (; j < total && score[order[j]!] === th; j++) {
      const i = order[j]!;
      const w = win[i]!;
      if (w < 0) raw += weight[i]!;
      else if (weight[i]! > best[w]!) {
        raw += weight[i]! - best[w]!;
        best[w] = weight[i]!;
      }
    }
    if (raw > bestRaw) {
      bestRaw = raw;
      bestThreshold = th;
    }
  }
  return { threshold: bestThreshold, raw: bestRaw, normalized: normalize(bestRaw, windowCount(files), p) };
}
