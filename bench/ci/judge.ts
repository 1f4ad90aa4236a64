/**
 * One sample through the daemon's own path (src/daemon/ci-judge.ts): the log cut to its failing step, mined
 * to templates by a fresh miner, classified with the sample's history as the pipeline's history view.
 */
import { type CiHistoryView, type CiVerdict, classifyCiFailure } from '../../src/diagnose/ci/index.js';
import { cutToFailingStep, mineLog, newCiMiner } from '../../src/sources/ci/index.js';
import type { Sample } from './corpus.js';

/** Earlier results, an hour apart, before the failure at `AT`. */
const AT = 1_760_000_000_000;

export function historyOf(s: Sample): CiHistoryView {
  return {
    // The daemon records results under the names its extractor gave the failing tests: the sample's
    // history belongs to whichever tests the classifier finds in this log.
    testRuns: (test) =>
      s.history.map((h, i) => ({
        test,
        commit: h.commit,
        passed: h.passed,
        at: AT - (s.history.length - i) * 3_600_000,
      })),
    template: () => undefined,
  };
}

export function judge(s: Sample): CiVerdict & { step: string | null } {
  const cut = cutToFailingStep(s.provider, s.lines);
  const templates = mineLog(newCiMiner(), cut.lines, AT);
  const v = classifyCiFailure(
    { lines: cut.lines, templates, commit: s.commit, providerReason: s.reason, step: cut.step, at: AT },
    historyOf(s),
  );
  return { ...v, step: cut.step };
}
