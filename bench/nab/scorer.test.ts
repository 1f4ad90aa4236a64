import { describe, expect, it } from 'vitest';
import { normalize, optimizeThreshold, probationRows, scaledSigmoid, scoreFile, sweep } from './scorer.js';

const standard = { tpWeight: 1, fpWeight: 0.11, fnWeight: 1 };
const lowFN = { tpWeight: 1, fpWeight: 0.11, fnWeight: 2 };

/** 20 rows (probation 3), one window on rows 10..14: every figure below is worked by hand from NOTES.md §3. */
function scores(detections: number[], n = 20): Float64Array {
  const s = new Float64Array(n);
  for (const i of detections) s[i] = 1;
  return s;
}

describe('NAB scorer', () => {
  it('has the scaled sigmoid of NAB', () => {
    expect(scaledSigmoid(-1)).toBeCloseTo(0.986614, 6);
    expect(scaledSigmoid(-0.5)).toBeCloseTo(0.848284, 6);
    expect(scaledSigmoid(0)).toBe(0);
    expect(scaledSigmoid(0.5)).toBeCloseTo(-0.848284, 6);
    expect(scaledSigmoid(3.01)).toBe(-1);
  });

  it('takes 15% of the rows, at most 750, as probation', () => {
    expect(probationRows(20)).toBe(3);
    expect(probationRows(4032)).toBe(604);
    expect(probationRows(22695)).toBe(750);
  });

  const swept = sweep(20, [[10, 14]], standard);

  it('weighs a detection by where it falls', () => {
    // First row of the window: exactly A_TP.
    expect(scoreFile(swept, scores([10]), standard, 0.5)).toBeCloseTo(1, 9);
    // Row 12: y = -(14-12+1)/5 = -0.6 → sigmoid 0.905148 / 0.986614.
    expect(scoreFile(swept, scores([12]), standard, 0.5)).toBeCloseTo(0.905148 / 0.986614, 5);
    // Only the earliest detection in a window counts; later ones are free.
    expect(scoreFile(swept, scores([12, 13, 14]), standard, 0.5)).toBeCloseTo(0.905148 / 0.986614, 5);
  });

  it('charges misses and false positives', () => {
    // Nothing detected: one missed window.
    expect(scoreFile(swept, scores([]), standard, 0.5)).toBe(-1);
    expect(scoreFile(swept, scores([]), lowFN, 0.5)).toBe(-2);
    // A false positive before any window costs the full A_FP (plus the miss).
    expect(scoreFile(swept, scores([5]), standard, 0.5)).toBeCloseTo(-1.11, 9);
    // Two rows after the window: y = |14-16|/(5-1) = 0.5 → -0.848284·0.11, plus the miss.
    expect(scoreFile(swept, scores([16]), standard, 0.5)).toBeCloseTo(-1 - 0.848284 * 0.11, 5);
    // Probation costs nothing.
    expect(scoreFile(swept, scores([1, 2]), standard, 0.5)).toBe(-1);
  });

  it('optimises one threshold over the corpus, first best wins', () => {
    const a = Float64Array.from({ length: 20 }, () => 0.1);
    a[12] = 0.9; // a hit at 0.917
    a[6] = 0.8; // a false positive at -0.11
    a[16] = 0.5; // a late false positive
    const best = optimizeThreshold([{ swept, scores: a, windows: [[10, 14]] }], standard);
    expect(best.threshold).toBe(0.9);
    expect(best.raw).toBeCloseTo(0.905148 / 0.986614, 5);
    expect(best.normalized).toBeCloseTo(normalize(best.raw, 1, standard), 9);
  });

  it('normalises between the null and the perfect detector', () => {
    // NOTES.md worked example: numenta, standard, 116 windows.
    expect(normalize(46.6344502, 116, standard)).toBeCloseTo(70.1011, 3);
    expect(normalize(-116, 116, standard)).toBe(0);
    expect(normalize(116, 116, standard)).toBe(100);
  });
});
