import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { CI_CLASSES, RERUN_CLASSES } from '../../src/diagnose/ci/index.js';
import { CORPUS_SETS, loadCorpus } from './corpus.js';
import { judge } from './judge.js';
import { classScores, rerunScore } from './score.js';

describe('bench:ci corpus', () => {
  const samples = loadCorpus();

  it('holds at least 60 logs, at least 10 of each class, from the three providers', () => {
    expect(samples.length).toBeGreaterThanOrEqual(60);
    for (const c of CI_CLASSES)
      expect(samples.filter((s) => s.label === c).length).toBeGreaterThanOrEqual(10);
    expect(new Set(samples.map((s) => s.provider))).toEqual(new Set(['github', 'gitlab', 'jenkins']));
    expect(samples.some((s) => s.set === 'holdout')).toBe(true);
  });

  it('the re-run classes keep a precision of at least 0.9, as classes and as re-run decisions', () => {
    const js = samples.map((s) => ({ label: s.label, ...judge(s) }));
    const classes = classScores(js);
    for (const c of RERUN_CLASSES) expect(classes[c].precision).toBeGreaterThanOrEqual(0.9);
    expect(rerunScore(js, 0.85).precision).toBeGreaterThanOrEqual(0.9);
    // In every set apart too: the logs the rules were written from must not carry the figure.
    for (const set of CORPUS_SETS) {
      const of = js.filter((_, i) => samples[i]?.set === set);
      expect(of.length, set).toBeGreaterThan(0);
      expect(rerunScore(of, 0.85).precision, set).toBeGreaterThanOrEqual(0.9);
    }
  });

  it('a bad manifest entry is refused with its line and field', () => {
    const dir = mkdtempSync(path.join(os.tmpdir(), 'bench-ci-'));
    try {
      writeFileSync(path.join(dir, 'a.txt'), 'x\n');
      writeFileSync(
        path.join(dir, 'manifest.yaml'),
        '# corpus\n- { file: a.txt, label: infrastructure, provider: github, tool: npm, why: x }\n- { file: a.txt, label: flaky, provider: github, tool: npm, why: x }\n',
      );
      expect(() => loadCorpus(dir)).toThrow(/manifest\.yaml:3 \(entry 2\): field label/);
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });
});
