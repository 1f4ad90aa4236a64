import { readFileSync } from 'node:fs';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { classifyCiFailure } from '../src/diagnose/ci/index.js';
import { cutToFailingStep, mineLog, newCiMiner } from '../src/sources/ci/index.js';

const fixture = (f: string) =>
  readFileSync(path.join(import.meta.dirname, 'ci-fixtures', f), 'utf8').split('\n');

function judge(provider: 'github' | 'gitlab' | 'jenkins', file: string) {
  const cut = cutToFailingStep(provider, fixture(file));
  const templates = mineLog(newCiMiner(), cut.lines, 0);
  return { cut, verdict: classifyCiFailure({ lines: cut.lines, templates, commit: 'c1', at: 0 }) };
}

describe('CI logs: cut to the failing step, classified', () => {
  it.each([
    ['github', 'github-runner-lost.log', 'npm test', 'infrastructure', 0.97],
    ['github', 'github-code.log', 'npm run build', 'code', 0.92],
    ['gitlab', 'gitlab-network.log', 'step_script', 'infrastructure', 0.92],
    ['jenkins', 'jenkins-agent-lost.log', 'Test', 'infrastructure', 0.95],
  ] as const)('%s %s: step %s, %s', (provider, file, step, cls, confidence) => {
    const { cut, verdict } = judge(provider, file);
    expect(cut.step).toBe(step);
    expect(verdict.cls).toBe(cls);
    expect(verdict.confidence).toBe(confidence);
    expect(verdict.failingLines.length).toBeGreaterThan(0);
  });

  it('the cut leaves out the steps before the failing one', () => {
    const { cut } = judge('github', 'github-runner-lost.log');
    expect(cut.lines.join('\n')).not.toContain('Syncing repository');
    expect(cut.lines.join('\n')).not.toMatch(/^\d{4}-/m);
  });

  it('a test failing here that passed on the same commit is flaky; failing on every commit since is code', () => {
    const lines = [
      'FAIL src/checkout.test.ts',
      ' ● checkout › applies the coupon',
      'AssertionError: expected 90 to equal 100',
    ];
    const runs = (passed: boolean[], commits: string[]) => (test: string) =>
      passed.map((p, i) => ({ test, commit: commits[i] as string, passed: p, at: i }));
    const flaky = classifyCiFailure(
      { lines, templates: [], commit: 'c9', at: 10 },
      { testRuns: runs([true], ['c9']), template: () => undefined },
    );
    expect(flaky).toMatchObject({ cls: 'flaky_test', confidence: 0.93 });
    const broken = classifyCiFailure(
      { lines, templates: [], commit: 'c9', at: 10 },
      { testRuns: runs([false, false], ['c7', 'c8']), template: () => undefined },
    );
    expect(broken).toMatchObject({ cls: 'code', confidence: 0.9 });
    // No history: a failing test is the code's, below any re-run threshold.
    expect(classifyCiFailure({ lines, templates: [], commit: 'c9', at: 10 })).toMatchObject({ cls: 'code' });
  });

  it('GitLab names the runner', () => {
    const v = classifyCiFailure({
      lines: [],
      templates: [],
      commit: null,
      providerReason: 'runner_system_failure',
      at: 0,
    });
    expect(v).toMatchObject({ cls: 'infrastructure', confidence: 0.96 });
  });
});
