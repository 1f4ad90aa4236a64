import { describe, expect, it } from 'vitest';
import { groupingAccuracy, groupingF1, normaliseWildcards, parsingAccuracy, templateF1 } from './metrics.js';

/** Tiny cases whose values were worked out by hand (in the comments). */
describe('groupingF1 (FGA)', () => {
  it('counts a parsed group correct only when it is exactly one true group', () => {
    // truth groups A={0,1} B={2,3} C={4}; parsed x={0,1} (= A), y={2} (part of B), z={3,4} (B and C mixed).
    // correct 1; precision 1/3, recall 1/3, F1 1/3. GA: only A's 2 lines → 2/5.
    const truth = ['A', 'A', 'B', 'B', 'C'];
    const parsed = ['x', 'x', 'y', 'z', 'z'];
    const s = groupingF1(truth, parsed);
    expect(s.precision).toBeCloseTo(1 / 3, 12);
    expect(s.recall).toBeCloseTo(1 / 3, 12);
    expect(s.f1).toBeCloseTo(1 / 3, 12);
    expect(groupingAccuracy(truth, parsed)).toBeCloseTo(0.4, 12);
  });

  it('weighs templates, not lines: splitting a frequent group costs one template', () => {
    // truth A={0,1} B={2}; parsed x={0}, y={1}, z={2}: only z = B. precision 1/3, recall 1/2,
    // F1 = 2·(1/3)(1/2) / (1/3 + 1/2) = (1/3) / (5/6) = 0.4.
    const s = groupingF1(['A', 'A', 'B'], ['x', 'y', 'z']);
    expect(s.precision).toBeCloseTo(1 / 3, 12);
    expect(s.recall).toBeCloseTo(0.5, 12);
    expect(s.f1).toBeCloseTo(0.4, 12);
  });

  it('is 0 when nothing is grouped right, 1 when everything is', () => {
    expect(groupingF1(['A', 'A', 'A', 'B'], ['x', 'x', 'x', 'x'])).toEqual({
      precision: 0,
      recall: 0,
      f1: 0,
    });
    expect(groupingF1(['A', 'B', 'A'], ['p', 'q', 'p']).f1).toBe(1);
    expect(groupingF1([], []).f1).toBe(0);
  });

  it('refuses misaligned rows', () => {
    expect(() => groupingF1(['A'], ['x', 'y'])).toThrow(/1 truth rows vs 2 parsed/);
  });
});

describe('templateF1 (FTA)', () => {
  // truth templates (4): open <*> {0,1}; close <*> now {2,3}; user <*> logged in {4}; disk <*> full {5,6}.
  const truth = [
    'open <*>',
    'open <*>',
    'close <*> now',
    'close <*> now',
    'user <*> logged in',
    'disk <*> full',
    'disk <*> full',
  ];
  // parsed (5): open <*> {0,1}: right group, same text → correct;
  // close <*><*>  now {2,3}: right group, same text once normalised → correct;
  // user alice logged in {4}: right group, wrong text → FGA yes, FTA no;
  // disk <*> full {5} and disk sda full {6}: the true group split → neither correct, even with the right text.
  const parsed = [
    'open <*>',
    'open <*>',
    'close <*><*>  now',
    'close <*><*>  now',
    'user alice logged in',
    'disk <*> full',
    'disk sda full',
  ];

  it('needs the right group and the right text', () => {
    // correct 2 of 5 parsed, 2 of 4 true: precision 0.4, recall 0.5, F1 = 2·0.2/0.9 = 4/9.
    const s = templateF1(truth, parsed);
    expect(s.precision).toBeCloseTo(0.4, 12);
    expect(s.recall).toBeCloseTo(0.5, 12);
    expect(s.f1).toBeCloseTo(4 / 9, 12);
  });

  it('is at most FGA on the same rows', () => {
    // FGA: 3 correct groups (open, close, user): precision 3/5, recall 3/4, F1 = 2·0.45/1.35 = 2/3.
    expect(groupingF1(truth, parsed).f1).toBeCloseTo(2 / 3, 12);
    // PA (exact text per line): lines 0, 1 and 5 → 3/7.
    expect(parsingAccuracy(truth, parsed)).toBeCloseTo(3 / 7, 12);
  });
});

describe('normaliseWildcards', () => {
  it('joins adjacent wildcards and runs of spaces, and nothing else', () => {
    expect(normaliseWildcards('  a <*><*><*>  b ')).toBe('a <*> b');
    expect(normaliseWildcards('a <*> <*> b')).toBe('a <*> <*> b');
    expect(normaliseWildcards('id=<*>,<*>')).toBe('id=<*>,<*>');
  });
});
