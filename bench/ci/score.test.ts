import { describe, expect, it } from 'vitest';
import { classScores, confusion, rerunScore } from './score.js';

const js = [
  { label: 'infrastructure', cls: 'infrastructure', confidence: 0.95 },
  { label: 'flaky_test', cls: 'infrastructure', confidence: 0.9 },
  { label: 'code', cls: 'flaky_test', confidence: 0.89 },
  { label: 'code', cls: 'code', confidence: 0.7 },
  { label: 'flaky_test', cls: 'flaky_test', confidence: 0.6 },
  { label: 'config', cls: 'code', confidence: 0.3 },
] as const;

describe('bench:ci scores', () => {
  it('per class: precision over what was predicted, recall over what was labelled; never predicted is null', () => {
    const s = classScores(js);
    expect(s.infrastructure).toEqual({ precision: 0.5, recall: 1, samples: 1, predicted: 2 });
    expect(s.flaky_test).toEqual({ precision: 0.5, recall: 0.5, samples: 2, predicted: 2 });
    expect(s.code).toEqual({ precision: 0.5, recall: 0.5, samples: 2, predicted: 2 });
    expect(s.config).toEqual({ precision: null, recall: 0, samples: 1, predicted: 0 });
    expect(s.dependency).toEqual({ precision: null, recall: null, samples: 0, predicted: 0 });
  });

  it('the re-run decision: a re-run class at or above the threshold; either re-run class counts as right', () => {
    // Re-run: the first three (>= 0.85); the flaky one at 0.6 is left to a human.
    expect(rerunScore(js, 0.85)).toEqual({
      threshold: 0.85,
      precision: 0.667,
      recall: 0.667,
      reruns: 3,
      wasted: 1,
    });
    expect(rerunScore(js, 0.99)).toMatchObject({ precision: null, recall: 0, reruns: 0 });
  });

  it('confusion counts label by prediction', () => {
    const m = confusion(js);
    expect(m.config.code).toBe(1);
    expect(m.flaky_test.infrastructure).toBe(1);
    expect(Object.values(m.code).reduce((a, b) => a + b, 0)).toBe(2);
  });
});
