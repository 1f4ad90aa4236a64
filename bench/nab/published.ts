import {
  type CostProfile,
  loadThresholds,
  PROFILE_NAMES,
  type ProfileName,
  publishedDetectors,
  readPublishedScores,
  type Series,
} from './corpus.js';
import { scoreCorpus, sweep } from './scorer.js';

export type ProfileScores = Record<ProfileName, number>;

/**
 * The published detectors' scores on exactly the series at hand, with their stored thresholds (as the NAB
 * scoreboard was made). A detector missing a result file for any series is left out: a partial corpus score
 * would not be comparable.
 */
export function scorePublished(
  dir: string,
  corpus: readonly Series[],
  profiles: Record<ProfileName, CostProfile>,
): Record<string, ProfileScores> {
  const thresholds = loadThresholds(dir);
  const out: Record<string, ProfileScores> = {};
  for (const det of publishedDetectors(dir)) {
    const stored = thresholds[det];
    if (!stored) continue;
    const scores = corpus.map((s) => readPublishedScores(dir, det, s));
    if (scores.some((s) => s === null)) continue;
    const row = {} as ProfileScores;
    for (const p of PROFILE_NAMES) {
      const th = stored[p]?.threshold;
      if (th === undefined) continue;
      const files = corpus.map((s, i) => ({
        swept: sweep(s.values.length, s.windows, profiles[p]),
        scores: scores[i]!,
        windows: s.windows,
      }));
      row[p] = scoreCorpus(files, profiles[p], th).normalized;
    }
    out[det] = row;
  }
  return out;
}
