import { describe, expect, it } from 'vitest';
import type { ProfileName } from './corpus.js';
import { type CvSeries, categoriesOf, leaveOneCategoryOut, parseGrid, scoreCategory } from './cv.js';
import { normalize, optimizeThreshold, sweep } from './scorer.js';

const profiles: Record<ProfileName, { tpWeight: number; fpWeight: number; fnWeight: number }> = {
  standard: { tpWeight: 1, fpWeight: 0.11, fnWeight: 1 },
  reward_low_FP_rate: { tpWeight: 1, fpWeight: 0.22, fnWeight: 1 },
  reward_low_FN_rate: { tpWeight: 1, fpWeight: 0.11, fnWeight: 2 },
};

/**
 * A tiny corpus made here: 40 rows per series (probation 6), one window on rows 20..24. In categories a and b
 * the anomaly scores 0.9 at the window's first row and two false alarms score 0.6; in category c the anomaly
 * scores only 0.6 and nothing else does. Over the whole corpus the best threshold is 0.6 (c's two windows are
 * worth more than the four series' false alarms); trained on a and b alone it is 0.9, which misses c.
 */
const N = 40;
const WINDOW: [number, number] = [20, 24];

function series(
  category: string,
  hit: number,
  falseAlarm: number | null,
): { s: CvSeries; scores: Float64Array } {
  const scores = new Float64Array(N).fill(0.1);
  scores[WINDOW[0]] = hit;
  if (falseAlarm !== null) {
    scores[10] = falseAlarm;
    scores[33] = falseAlarm;
  }
  return { s: { category, length: N, windows: [WINDOW] }, scores };
}

function corpus(cHit = 0.6) {
  const rows = [
    series('a', 0.9, 0.6),
    series('a', 0.9, 0.6),
    series('b', 0.9, 0.6),
    series('b', 0.9, 0.6),
    series('c', cHit, null),
    series('c', cHit, null),
  ];
  return { series: rows.map((r) => r.s), scores: rows.map((r) => r.scores) };
}

const inSample = (s: readonly CvSeries[], scores: readonly Float64Array[], p: ProfileName) =>
  optimizeThreshold(
    s.map((x, i) => ({
      swept: sweep(x.length, x.windows, profiles[p]),
      scores: scores[i]!,
      windows: x.windows,
    })),
    profiles[p],
  );

describe('leave-one-category-out', () => {
  it('chooses the held-out category’s threshold on the other categories only', () => {
    const c = corpus();
    // The premise: in sample, the corpus-wide optimum is the threshold that catches c.
    expect(inSample(c.series, c.scores, 'standard').threshold).toBe(0.6);
    const cv = leaveOneCategoryOut(c.series, profiles, [{ label: 'x', scores: c.scores }]);
    expect(cv.folds.map((f) => f.category)).toEqual(['a', 'b', 'c']);
    const held = cv.folds[2]!;
    for (const p of ['standard', 'reward_low_FP_rate', 'reward_low_FN_rate'] as const) {
      // Out of sample: 0.9, which misses both of c's windows: c scores as the null detector.
      expect(held.thresholds[p]).toBe(0.9);
      expect(held.raw[p]).toBeCloseTo(-2 * profiles[p].fnWeight, 12);
      expect(held.scores[p]).toBeCloseTo(0, 12);
    }
    // The honest corpus figure is below the in-sample one.
    expect(cv.scores.standard).toBeLessThan(inSample(c.series, c.scores, 'standard').normalized);
  });

  it('gives the held-out category the same threshold whatever its own scores and labels', () => {
    const a = corpus(0.6);
    const b = corpus(0.95);
    b.series[4] = { ...b.series[4]!, windows: [[12, 16]] };
    const fa = leaveOneCategoryOut(a.series, profiles, [{ label: 'x', scores: a.scores }]).folds[2]!;
    const fb = leaveOneCategoryOut(b.series, profiles, [{ label: 'x', scores: b.scores }]).folds[2]!;
    expect(fb.thresholds).toEqual(fa.thresholds);
    expect(fb.trained).toEqual(fa.trained);
    // ...while what it scores there does depend on them.
    expect(fb.raw.standard).not.toBe(fa.raw.standard);
  });

  it('sums the held-out raw scores and normalises over every window of the corpus', () => {
    const c = corpus();
    const cv = leaveOneCategoryOut(c.series, profiles, [{ label: 'x', scores: c.scores }]);
    for (const p of ['standard', 'reward_low_FP_rate', 'reward_low_FN_rate'] as const) {
      const raw = cv.folds.reduce((n, f) => n + f.raw[p], 0);
      expect(cv.scores[p]).toBeCloseTo(normalize(raw, 6, profiles[p]), 12);
    }
    expect(cv.windows).toBe(6);
  });

  it('chooses the detector configuration on the other categories too', () => {
    const c = corpus();
    // Configuration 1 is perfect on c and hopeless elsewhere; 0 is the reverse.
    const good = c.scores.map((s, i) => (c.series[i]!.category === 'c' ? new Float64Array(N) : s));
    const onlyC = c.scores.map((s, i) => {
      if (c.series[i]!.category === 'c') {
        const x = new Float64Array(N);
        x[WINDOW[0]] = 1;
        return x;
      }
      return Float64Array.from(s, (_, k) => (k % 2 ? 0.8 : 0));
    });
    const cv = leaveOneCategoryOut(c.series, profiles, [
      { label: 'elsewhere', scores: good },
      { label: 'only c', scores: onlyC },
    ]);
    // Held out, c gets the configuration that was best on a and b, not the one best on c.
    expect(cv.folds[2]!.candidate).toBe(0);
    expect(cv.folds[2]!.scores.standard).toBeCloseTo(0, 12);
  });

  it('counts a category without windows by its false alarms alone', () => {
    const c = corpus();
    const quiet = new Float64Array(N).fill(0.1);
    quiet[30] = 0.95; // a false alarm above every threshold the others choose
    const s = [...c.series, { category: 'd', length: N, windows: [] }];
    const cv = leaveOneCategoryOut(s, profiles, [{ label: 'x', scores: [...c.scores, quiet] }]);
    const d = cv.folds[3]!;
    expect(d.windows).toBe(0);
    expect(d.scores.standard).toBeNull();
    expect(d.raw.standard).toBeCloseTo(-0.11, 12);
    const raw = cv.folds.reduce((n, f) => n + f.raw.standard, 0);
    expect(cv.scores.standard).toBeCloseTo(normalize(raw, 6, profiles.standard), 12);
  });

  it('refuses what cannot be cross-validated', () => {
    const c = corpus();
    const one = c.series.map((s) => ({ ...s, category: 'only' }));
    expect(() => leaveOneCategoryOut(one, profiles, [{ label: 'x', scores: c.scores }])).toThrow(
      /two categories/,
    );
    expect(() => leaveOneCategoryOut(c.series, profiles, [])).toThrow(/no candidate/);
    expect(() =>
      leaveOneCategoryOut(c.series, profiles, [{ label: 'x', scores: c.scores.slice(1) }]),
    ).toThrow(/5 series/);
  });

  it('scores one category at fixed thresholds', () => {
    const c = corpus();
    expect(categoriesOf(c.series)).toEqual(['a', 'b', 'c']);
    const got = scoreCategory(c.series, c.scores, profiles, { standard: 0.6 }, 'c');
    expect(got).toEqual({ standard: 100 });
  });
});

describe('--grid', () => {
  it('makes every combination, first values first', () => {
    expect(parseGrid(['window=64,128', 'alpha=0.03'])).toEqual([
      { window: 64, alpha: 0.03 },
      { window: 128, alpha: 0.03 },
    ]);
    expect(parseGrid([])).toEqual([{}]);
  });

  it('rejects what is not a list of numbers', () => {
    expect(() => parseGrid(['window'])).toThrow(/key=v1/);
    expect(() => parseGrid(['window=64,x'])).toThrow(/not a number/);
    expect(() => parseGrid(['window=64', 'window=128'])).toThrow(/twice/);
  });
});
