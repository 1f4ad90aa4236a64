import { mkdtempSync, rmSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { CiHistory, type PendingFailure } from './history.js';

const T = 'tests/test_cart.py::test_total';

/** A failed run as the CI stage records it: its test's failure, then the failure awaiting a result. */
function fail(h: CiHistory, runKey: string, commit: string, at: number, workflow = 'CI'): void {
  h.recordTests('p', [{ test: T, commit, passed: false, at }]);
  const f: PendingFailure = {
    commit,
    cls: 'code',
    tests: [T],
    templates: [{ key: 'k1', text: 'FAILED <*>' }],
    at,
    reran: false,
    workflow,
  };
  h.recordFailure('p', runKey, f);
}

const passes = (h: CiHistory) =>
  h
    .view('p')
    .testRuns(T)
    .filter((r) => r.passed)
    .map((r) => r.commit);

describe('CI history: passes of a commit, whoever ran them', () => {
  it("a person's re-run passing on the same commit passes the test there and teaches the templates", () => {
    const h = new CiHistory(null);
    fail(h, 'run:1', 'a', 1);
    const settled = h.settle('p', 'run:1', true, 2, { commit: 'a', workflow: 'CI' });
    expect(settled?.tests).toEqual([T]);
    expect(passes(h)).toEqual(['a']);
    expect(h.view('p').template('k1')).toMatchObject({ rerunPassed: 1, rerunFailed: 0 });
  });

  it('another run of the same workflow passing on the same commit passes the test; once per failure', () => {
    const h = new CiHistory(null);
    fail(h, 'run:1', 'a', 1);
    expect(h.settle('p', 'run:2', true, 2, { commit: 'a', workflow: 'CI' })).toBeNull();
    h.settle('p', 'run:3', true, 3, { commit: 'a', workflow: 'CI' });
    expect(passes(h)).toEqual(['a']);
    // Not a re-run of the failed run: its templates learn nothing.
    expect(h.view('p').template('k1')).toMatchObject({ rerunPassed: 0 });
  });

  it("another workflow's pass, a pass of another commit, or a failure of the same run teach nothing", () => {
    const h = new CiHistory(null);
    fail(h, 'run:1', 'a', 1);
    h.settle('p', 'run:2', true, 2, { commit: 'a', workflow: 'Docs' });
    h.settle('p', 'run:3', true, 3, { commit: 'b', workflow: 'CI' });
    h.settle('p', 'run:1', true, 4, { commit: 'b', workflow: 'CI' });
    expect(passes(h)).toEqual([]);
    // A failed attempt the run's own Medic did not ask for settles nothing.
    expect(h.settle('p', 'run:1', false, 5, { commit: 'a', workflow: 'CI' })).toBeNull();
    expect(h.view('p').template('k1')).toMatchObject({ rerunPassed: 0, rerunFailed: 0 });
  });

  it("Medic's own re-run counts as before, failing or passing; without a commit its failure's commit is used", () => {
    const h = new CiHistory(null);
    fail(h, 'job:x', 'a', 1);
    h.markReran('p', 'job:x', 2);
    expect(h.settle('p', 'job:x', false, 3)).not.toBeNull();
    expect(h.view('p').template('k1')).toMatchObject({ rerunPassed: 0, rerunFailed: 1 });
    fail(h, 'job:x', 'a', 4);
    h.markReran('p', 'job:x', 5);
    h.settle('p', 'job:x', true, 6);
    expect(passes(h)).toEqual(['a']);
  });

  it('what was learned survives a restart', () => {
    const dir = mkdtempSync(path.join(os.tmpdir(), 'ci-history-'));
    try {
      const file = path.join(dir, 'ci-history.json');
      const h = new CiHistory(file);
      fail(h, 'run:1', 'a', 1);
      const again = new CiHistory(file);
      again.settle('p', 'run:9', true, 2, { commit: 'a', workflow: 'CI' });
      expect(passes(new CiHistory(file))).toEqual(['a']);
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });
});
