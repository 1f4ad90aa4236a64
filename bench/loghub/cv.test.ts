import { describe, expect, it } from 'vitest';
import { DEFAULT_MINER_OPTIONS } from '../../src/detect/logs/index.js';
import { changesFromDefault, choose, crossValidate, GRID, gridPoints } from './cv.js';
import type { Accuracy, LoadedDataset } from './evaluate.js';

const acc = (ga: number | null, pa: number | null): Accuracy => ({
  ga,
  pa,
  gaCorrected: null,
  fga: null,
  fta: null,
  templates: 0,
});

describe('gridPoints', () => {
  it('is every combination, with the defaults among them and the untuned options at their defaults', () => {
    const points = gridPoints();
    const size = Object.values(GRID).reduce((n, v) => n * v.length, 1);
    expect(points).toHaveLength(size);
    expect(new Set(points.map((p) => JSON.stringify(p))).size).toBe(size);
    expect(points.filter((p) => changesFromDefault(p) === 0)).toHaveLength(1);
    for (const p of points) expect(p.maxClusters).toBe(DEFAULT_MINER_OPTIONS.maxClusters);
  });
});

describe('choose', () => {
  const base = { ...DEFAULT_MINER_OPTIONS };
  const points = [
    { ...base, similarity: 0.3 },
    { ...base, similarity: 0.7, depth: 3 },
    { ...base },
    { ...base, depth: 4 },
  ];

  it('takes the best mean GA over the training sets', () => {
    // means: 0.85, 0.9, 0.8, 0.875 → point 1
    const scores = [
      [acc(0.9, 0.5), acc(0.8, 0.5)],
      [acc(1, 0), acc(0.8, 0)],
      [acc(0.8, 1), acc(0.8, 1)],
      [acc(0.95, 0.5), acc(0.8, 0.5)],
    ];
    expect(choose(points, scores)).toBe(1);
  });

  it('breaks a GA tie by PA, then by the fewest options changed from the defaults', () => {
    const byPa = [[acc(0.9, 0.5)], [acc(0.9, 0.7)], [acc(0.9, 0.6)], [acc(0.8, 1)]];
    expect(choose(points, byPa)).toBe(1);
    // GA and PA tie between the 0.3 (1 change), the 0.7 + depth 3 (2 changes) and the defaults (0 changes)
    const allTie = [[acc(0.9, 0.5)], [acc(0.9, 0.5)], [acc(0.9, 0.5)], [acc(0.8, 0.5)]];
    expect(choose(points, allTie)).toBe(2);
  });

  it('leaves out a set without a ground truth for that metric', () => {
    // GA means: point 0 over one set 0.9; point 1 over two sets 0.85
    const scores = [
      [acc(0.9, null), acc(null, null)],
      [acc(0.9, null), acc(0.8, null)],
      [acc(0.1, null)],
      [acc(0.1, null)],
    ];
    expect(choose(points, scores)).toBe(0);
  });
});

describe('crossValidate', () => {
  // `disk sda failed` and `disk sda ok` share 2 of 3 tokens: apart at similarity 0.9, one template at 0.5
  // (with max_word_values 0, a differing word becomes a variable at once).
  const contents = ['disk sda failed', 'disk sda ok', 'disk sda failed'];
  const apart = { ...DEFAULT_MINER_OPTIONS, similarity: 0.9, maxWordValues: 0 };
  const together = { ...DEFAULT_MINER_OPTIONS, similarity: 0.5, maxWordValues: 0 };
  const set = (name: string, ids: string[]): LoadedDataset => ({
    name,
    contents,
    misses: 0,
    ids,
    corrected: ids.map((id) => (id === 'x' ? 'disk sda <*>' : `disk sda ${id === 'f' ? 'failed' : 'ok'}`)),
  });
  // Three sets whose truth keeps the two apart (GA 1 apart, 0 together) and one that groups them (the reverse).
  const sets = [
    set('A1', ['f', 'o', 'f']),
    set('A2', ['f', 'o', 'f']),
    set('A3', ['f', 'o', 'f']),
    set('B', ['x', 'x', 'x']),
  ];

  it('chooses on the other sets only, even where the held-out set would prefer another point', () => {
    const progress: string[] = [];
    const r = crossValidate(sets, {
      points: [together, apart],
      progress: (fold, point, total) => progress.push(`${fold}/${point}/${total}`),
    });
    expect(r.grid).toBe(2);
    expect(r.folds.map((f) => f.heldOut)).toEqual(['A1', 'A2', 'A3', 'B']);
    // Training means: holding out an A, apart scores (1 + 1 + 0) / 3 against together's 1/3; holding out B, 1 against 0.
    for (const f of r.folds) expect(f.chosen).toBe(apart);
    expect(r.folds.map((f) => f.trainGa)).toEqual([2 / 3, 2 / 3, 2 / 3, 1]);
    expect(r.folds.map((f) => f.cv.ga)).toEqual([1, 1, 1, 0]);
    expect(r.folds[3]?.cv.fga).toBe(0);
    expect(r.average.ga).toBeCloseTo(0.75, 12);
    // PA: the A sets' text is exact (3 of 3 lines); B's truth is `disk sda <*>`, the miner printed the words.
    expect(r.folds.map((f) => f.cv.pa)).toEqual([1, 1, 1, 0]);
    expect(progress).toEqual(['0/0/2', '0/1/2', '1/0/2', '1/1/2', '2/0/2', '2/1/2', '3/0/2', '3/1/2']);
    // Each (set, point) is mined once; the defaults once more per set.
    expect(r.minedLines).toBe(4 * 2 * 3 + 4 * 3);
  });
});
