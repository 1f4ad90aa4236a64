import { existsSync } from 'node:fs';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { loadCorpus, loadProfiles } from './corpus.js';
import { scorePublished } from './published.js';

/**
 * The scorer is right only if the published results score to the published figures (NOTES.md of the
 * benchmark folder). The data is not in this repository: MEDIC_BENCH_DATA may point at the benchmark root
 * (holding nab/), else ../shared/bench. A missing folder fails the test: a skipped proof is no proof.
 * Run by `npm run test:bench`, not by `npm test`.
 */
const dir = path.join(
  path.resolve(process.env['MEDIC_BENCH_DATA'] ?? path.resolve(import.meta.dirname, '../../../shared/bench')),
  'nab',
);

const expected = {
  ARTime: { standard: 73.55, reward_low_FP_rate: 65.59, reward_low_FN_rate: 78.59 },
  numenta: { standard: 69.52, reward_low_FP_rate: 62.88, reward_low_FN_rate: 74.02 },
};

describe('NAB scorer against the published results', () => {
  it('scores numenta and ARTime as NOTES.md says, to 0.01', () => {
    expect(existsSync(path.join(dir, 'data')), `NAB data not found at ${dir} (set MEDIC_BENCH_DATA)`).toBe(
      true,
    );
    const corpus = loadCorpus(dir);
    const got = scorePublished(dir, corpus, loadProfiles(dir));
    for (const [det, want] of Object.entries(expected)) {
      const have = got[det];
      expect(have, `${det} results missing under ${dir}/results`).toBeDefined();
      for (const [profile, score] of Object.entries(want)) {
        expect(
          Math.abs(have![profile as keyof typeof want] - score),
          `${det} ${profile}`,
        ).toBeLessThanOrEqual(0.005 + 1e-9);
      }
    }
  });
});
