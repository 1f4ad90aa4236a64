import { describe, expect, it } from 'vitest';
import { rerunCapReason } from './ci-rerun-cap.js';

const CAPS = { per_commit: 2, per_day: 10, backoff: 60_000 };
const NOW = 10 * 86_400_000;

/** A history whose re-run counts are fixed; it records the window it was asked about. */
function history(total: number, ofCommit: number, last: number | null) {
  const asked: number[] = [];
  return {
    asked,
    reruns: async (_name: string, since: number) => {
      asked.push(since);
      return { total, ofCommit, last };
    },
  };
}

describe('rerunCapReason', () => {
  const H = 3_600_000;
  // name, re-runs in 24 h, of the commit, the last one this long ago (null: none), commit, what it says
  const cases: [string, number, number, number | null, string | null, RegExp | null][] = [
    ['none yet', 0, 0, null, 'abc', null],
    ['the commit re-run to its cap', 2, 2, H, 'abc', /per_commit 2/],
    ['no commit: its cap does not apply', 2, 2, H, null, null],
    ['the day re-run to its cap', 10, 0, H, 'abc', /per_day 10/],
    ['within the first backoff', 1, 0, 30_000, 'abc', /backoff is 60 s/],
    ['the backoff doubles', 3, 0, 200_000, 'abc', /backoff is 240 s/],
    ['past the backoff', 3, 0, 240_000, 'abc', null],
  ];
  it.each(cases)('%s', async (_name, total, ofCommit, ago, commit, want) => {
    const h = history(total, ofCommit, ago === null ? null : NOW - ago);
    const got = await rerunCapReason(CAPS, h, 'p', commit, NOW);
    if (want === null) expect(got).toBeNull();
    else expect(got).toMatch(want);
    expect(h.asked).toEqual([NOW - 86_400_000]);
  });
});
