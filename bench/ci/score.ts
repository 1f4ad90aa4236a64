/**
 * Scores of a classifier over labelled samples: per-class precision and recall, the confusion matrix, and the
 * re-run decision (a re-run class at or above the guard's confidence threshold), which is what costs money.
 */
import { CI_CLASSES, type CiClass, RERUN_CLASSES } from '../../src/diagnose/ci/index.js';

export interface Judged {
  label: CiClass;
  cls: CiClass;
  confidence: number;
}

export interface ClassScore {
  /** Null when the class was never predicted (precision is undefined, not 0 or 1). */
  precision: number | null;
  recall: number | null;
  samples: number;
  predicted: number;
}

const ratio = (n: number, d: number) => (d === 0 ? null : Math.round((n / d) * 1000) / 1000);

export function classScores(js: readonly Judged[]): Record<CiClass, ClassScore> {
  const out = {} as Record<CiClass, ClassScore>;
  for (const c of CI_CLASSES) {
    const tp = js.filter((j) => j.label === c && j.cls === c).length;
    const predicted = js.filter((j) => j.cls === c).length;
    const samples = js.filter((j) => j.label === c).length;
    out[c] = { precision: ratio(tp, predicted), recall: ratio(tp, samples), samples, predicted };
  }
  return out;
}

/** confusion[label][predicted] = count. */
export function confusion(js: readonly Judged[]): Record<CiClass, Record<CiClass, number>> {
  const m = Object.fromEntries(
    CI_CLASSES.map((l) => [l, Object.fromEntries(CI_CLASSES.map((p) => [p, 0]))]),
  ) as Record<CiClass, Record<CiClass, number>>;
  for (const j of js) m[j.label][j.cls]++;
  return m;
}

export interface RerunScore {
  threshold: number;
  /** Of the failures Medic would re-run on its own, how many a re-run can fix. */
  precision: number | null;
  /** Of the failures a re-run can fix, how many Medic would re-run on its own. */
  recall: number | null;
  reruns: number;
  wasted: number;
}

const isRerun = (c: CiClass) => RERUN_CLASSES.includes(c);

export function rerunScore(js: readonly Judged[], threshold: number): RerunScore {
  const chosen = js.filter((j) => isRerun(j.cls) && j.confidence >= threshold);
  const good = chosen.filter((j) => isRerun(j.label)).length;
  return {
    threshold,
    precision: ratio(good, chosen.length),
    recall: ratio(good, js.filter((j) => isRerun(j.label)).length),
    reruns: chosen.length,
    wasted: chosen.length - good,
  };
}
