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

/** A published detector's scores for every series of the corpus, and its stored per-profile thresholds. */
export interface PublishedRun {
  scores: Float64Array[];
  thresholds: Partial<Record<ProfileName, number>>;
}

/**
 * The published detectors that have a stored threshold and a result file for every series at hand. A
 * detector missing a result file for any series is left out: a partial corpus score would not be comparable.
 */
export function loadPublished(dir: string, corpus: readonly Series[]): Record<string, PublishedRun> {
  const stored = loadThresholds(dir);
  const out: Record<string, PublishedRun> = {};
  for (const det of publishedDetectors(dir)) {
    const th = stored[det];
    if (!th) continue;
    const scores = corpus.map((s) => readPublishedScores(dir, det, s));
    if (scores.some((s) => s === null)) continue;
    const thresholds: Partial<Record<ProfileName, number>> = {};
    for (const p of PROFILE_NAMES) if (th[p]?.threshold !== undefined) thresholds[p] = th[p].threshold;
    out[det] = { scores: scores as Float64Array[], thresholds };
  }
  return out;
}

/**
 * The published detectors' scores on exactly the series at hand, with their stored thresholds (as the NAB
 * scoreboard was made).
 */
export function scorePublished(
  dir: string,
  corpus: readonly Series[],
  profiles: Record<ProfileName, CostProfile>,
  runs: Record<string, PublishedRun> = loadPublished(dir, corpus),
): Record<string, ProfileScores> {
  const out: Record<string, ProfileScores> = {};
  for (const [det, run] of Object.entries(runs)) {
    const row = {} as ProfileScores;
    for (const p of PROFILE_NAMES) {
      const th = run.thresholds[p];
      if (th === undefined) continue;
      const files = corpus.map((s, i) => ({
        swept: sweep(s.values.length, s.windows, profiles[p]),
        scores: run.scores[i]!,
        windows: s.windows,
      }));
      row[p] = scoreCorpus(files, profiles[p], th).normalized;
    }
    out[det] = row;
  }
  return out;
}
