/**
 * `npm run bench:ci [-- --json] [--corpus DIR] [--threshold X] [--sets dev,holdout]`: classifies every failed-job log of the
 * labelled corpus (bench/ci/corpus/, manifest.yaml) through the daemon's path (cut, mine, classify with the
 * sample's history) and prints per-class precision and recall, the re-run decision (a re-run class at or
 * above the guard's confidence threshold, default policy.confidence_threshold), the confusion matrix and each
 * miss; for all logs, and apart per set: dev (read while the classifier's signatures were written), holdout
 * (written after them, read when the rules were made general) and holdout2 (written before that, scored once
 * at its end). `--sets` scores only the sets named, so work on the rules never sees a set kept for the end. No numeric parameter is fitted to the corpus (the
 * confidences are fixed in src/diagnose/ci), so there is nothing to cross-validate; the holdout set is what
 * says how the signatures do on logs they were not written from.
 */
import { parseArgs } from 'node:util';
import { policySchema } from '../../src/config/index.js';
import { CI_CLASSES, type CiClass } from '../../src/diagnose/ci/index.js';
import { CORPUS_DIR, CORPUS_SETS, type CorpusSet, loadCorpus } from './corpus.js';
import { judge } from './judge.js';
import { type ClassScore, classScores, confusion, rerunScore } from './score.js';

const { values } = parseArgs({
  options: {
    json: { type: 'boolean', default: false },
    corpus: { type: 'string', default: CORPUS_DIR },
    threshold: { type: 'string' },
    sets: { type: 'string', default: CORPUS_SETS.join(',') },
  },
});
const chosenSets = values.sets.split(',').map((x) => x.trim());
for (const x of chosenSets)
  if (!(CORPUS_SETS as readonly string[]).includes(x))
    throw new Error(`--sets: unknown set "${x}" (known: ${CORPUS_SETS.join(', ')})`);
const threshold =
  values.threshold === undefined ? policySchema.parse({}).confidence_threshold : Number(values.threshold);
if (!Number.isFinite(threshold) || threshold < 0 || threshold > 1)
  throw new Error(`--threshold must be a number in 0..1, not ${values.threshold}`);

const samples = loadCorpus(values.corpus).filter((s) => chosenSets.includes(s.set));
const judged = samples.map((s) => ({ s, v: judge(s) }));
type Row = (typeof judged)[number];

function scoresOf(rows: readonly Row[]) {
  const js = rows.map(({ s, v }) => ({ label: s.label, cls: v.cls, confidence: v.confidence }));
  const classes = classScores(js);
  return {
    samples: rows.length,
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
    ) as Record<CiClass, ClassScore>,
    rerun: rerunScore(js, threshold),
    confusion: confusion(js),
  };
}

const all = scoresOf(judged);
const sets = Object.fromEntries(
  CORPUS_SETS.filter((x) => chosenSets.includes(x)).map((x) => [
    x,
    scoresOf(judged.filter((r) => r.s.set === x)),
  ]),
) as Partial<Record<CorpusSet, ReturnType<typeof scoresOf>>>;
const TITLES: Record<CorpusSet, string> = {
  dev: 'dev (read while the rules were written)',
  holdout: 'holdout (written after the first rules; read when they were made general)',
  holdout2: 'holdout2 (written before the rules were made general; never read for them)',
};
const misses = judged
  .filter(({ s, v }) => s.label !== v.cls)
  .map(({ s, v }) => ({
    file: s.file,
    set: s.set,
    label: s.label,
    cls: v.cls,
    confidence: v.confidence,
    signature: v.signature,
    evidence: v.evidence[0] ?? null,
  }));

if (values.json) {
  console.log(JSON.stringify({ ...all, sets, misses }, null, 2));
} else {
  const f = (x: number | null) => (x === null ? '  -  ' : x.toFixed(3));
  const print = (title: string, r: ReturnType<typeof scoresOf>) => {
    console.log(`${title}: ${r.samples} logs\n`);
    console.log('class            samples  predicted  precision  recall');
    for (const c of CI_CLASSES) {
      const k = r.classes[c];
      console.log(
        `${c.padEnd(16)} ${String(k.samples).padStart(7)}  ${String(k.predicted).padStart(9)}  ${f(k.precision).padStart(9)}  ${f(k.recall).padStart(6)}`,
      );
    }
    console.log(
      `re-run decision (infrastructure or flaky_test, confidence >= ${threshold}): ${r.rerun.reruns} re-runs, ${r.rerun.wasted} wasted; precision ${f(r.rerun.precision)}, recall ${f(r.rerun.recall)}\n`,
    );
  };
  console.log(`CI failure classification over the labelled job logs of ${values.corpus}\n`);
  print('all', all);
  for (const x of CORPUS_SETS) {
    const r = sets[x];
    if (r) print(TITLES[x], r);
  }
  console.log('confusion, all (rows: label, columns: predicted)');
  const short = (c: string) => c.slice(0, 6).padStart(7);
  console.log(`${''.padEnd(16)}${CI_CLASSES.map(short).join('')}`);
  for (const l of CI_CLASSES)
    console.log(`${l.padEnd(16)}${CI_CLASSES.map((p) => String(all.confusion[l][p]).padStart(7)).join('')}`);
  if (misses.length > 0) {
    console.log('\nmisses:');
    for (const m of misses)
      console.log(
        `  ${m.file} (${m.set}): ${m.label} -> ${m.cls} (${m.confidence}, ${m.signature ?? 'no signature'})${m.evidence ? `: ${m.evidence.slice(0, 110)}` : ''}`,
      );
  }
}
