/**
 * `npm run bench:ci [-- --json] [--corpus DIR] [--threshold X]`: classifies every failed-job log of the
 * labelled corpus (bench/ci/corpus/, manifest.yaml) through the daemon's path (cut, mine, classify with the
 * sample's history) and prints per-class precision and recall, the confusion matrix, the re-run decision
 * (a re-run class at or above the guard's confidence threshold) and each miss. Nothing is tuned on the corpus:
 * the classifier's rules and confidences are fixed in src/diagnose/ci, so there is no parameter to
 * cross-validate.
 */
import { parseArgs } from 'node:util';
import { policySchema } from '../../src/config/index.js';
import { CI_CLASSES } from '../../src/diagnose/ci/index.js';
import { CORPUS_DIR, loadCorpus } from './corpus.js';
import { judge } from './judge.js';
import { classScores, confusion, rerunScore } from './score.js';

const { values } = parseArgs({
  options: {
    json: { type: 'boolean', default: false },
    corpus: { type: 'string', default: CORPUS_DIR },
    threshold: { type: 'string' },
  },
});
const threshold =
  values.threshold === undefined ? policySchema.parse({}).confidence_threshold : Number(values.threshold);
if (!Number.isFinite(threshold) || threshold < 0 || threshold > 1)
  throw new Error(`--threshold must be a number in 0..1, not ${values.threshold}`);

const samples = loadCorpus(values.corpus);
const judged = samples.map((s) => ({ s, v: judge(s) }));
const js = judged.map(({ s, v }) => ({ label: s.label, cls: v.cls, confidence: v.confidence }));
const classes = classScores(js);
const rerun = rerunScore(js, threshold);
const matrix = confusion(js);
const misses = judged
  .filter(({ s, v }) => s.label !== v.cls)
  .map(({ s, v }) => ({
    file: s.file,
    label: s.label,
    cls: v.cls,
    confidence: v.confidence,
    signature: v.signature,
    evidence: v.evidence[0] ?? null,
  }));

if (values.json) {
  console.log(
    JSON.stringify(
      {
        samples: samples.length,
        classes: Object.fromEntries(
          CI_CLASSES.map((c) => [
            c,
            {
              precision: classes[c].precision,
              recall: classes[c].recall,
              samples: classes[c].samples,
              predicted: classes[c].predicted,
            },
          ]),
        ),
        rerun,
        confusion: matrix,
        misses,
      },
      null,
      2,
    ),
  );
} else {
  const f = (x: number | null) => (x === null ? '  -  ' : x.toFixed(3));
  console.log(`CI failure classification: ${samples.length} labelled job logs in ${values.corpus}\n`);
  console.log('class            samples  predicted  precision  recall');
  for (const c of CI_CLASSES) {
    const k = classes[c];
    console.log(
      `${c.padEnd(16)} ${String(k.samples).padStart(7)}  ${String(k.predicted).padStart(9)}  ${f(k.precision).padStart(9)}  ${f(k.recall).padStart(6)}`,
    );
  }
  console.log(
    `\nre-run decision (infrastructure or flaky_test, confidence >= ${threshold}): ${rerun.reruns} re-runs, ${rerun.wasted} wasted; precision ${f(rerun.precision)}, recall ${f(rerun.recall)}`,
  );
  console.log(`\nconfusion (rows: label, columns: predicted)`);
  const short = (c: string) => c.slice(0, 6).padStart(7);
  console.log(`${''.padEnd(16)}${CI_CLASSES.map(short).join('')}`);
  for (const l of CI_CLASSES)
    console.log(`${l.padEnd(16)}${CI_CLASSES.map((p) => String(matrix[l][p]).padStart(7)).join('')}`);
  if (misses.length > 0) {
    console.log('\nmisses:');
    for (const m of misses)
      console.log(
        `  ${m.file}: ${m.label} -> ${m.cls} (${m.confidence}, ${m.signature ?? 'no signature'})${m.evidence ? `: ${m.evidence.slice(0, 110)}` : ''}`,
      );
  }
}
