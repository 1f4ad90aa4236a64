import { describe, expect, it } from 'vitest';
import { CiHistory } from './history.js';
import { summarizeCi } from './summary.js';

const ref = { provider: 'github', repository: 'acme/shop', service: 'shop', branches: ['main'] };

async function failure(
  h: CiHistory,
  runKey: string,
  commit: string,
  at: number,
  cls: 'code' | 'flaky_test' | 'infrastructure',
  tests: string[] = [],
) {
  await h.recordTests(
    'shop-ci',
    tests.map((test) => ({ test, commit, passed: false, at })),
  );
  await h.recordFailure('shop-ci', runKey, {
    commit,
    cls,
    tests,
    templates: [],
    at,
    reran: false,
    workflow: 'CI',
  });
}

describe('CI summary for the dashboard', () => {
  it('counts failures by class, re-runs by outcome, and ranks tests by commits they flaked on', async () => {
    const h = new CiHistory();
    await failure(h, 'run:1', 'a', 10, 'flaky_test', ['t_flaky', 't_once']);
    await h.markReran('shop-ci', 'run:1', 11);
    await h.settle('shop-ci', 'run:1', true, 12, { commit: 'a', workflow: 'CI' });
    await failure(h, 'run:2', 'b', 20, 'flaky_test', ['t_flaky']);
    await h.markReran('shop-ci', 'run:2', 21);
    await h.settle('shop-ci', 'run:2', true, 22, { commit: 'b', workflow: 'CI' });
    await failure(h, 'run:3', 'c', 30, 'infrastructure');
    await h.markReran('shop-ci', 'run:3', 31);
    await h.settle('shop-ci', 'run:3', false, 32, { commit: 'c', workflow: 'CI' });
    await failure(h, 'run:4', 'd', 40, 'code', ['t_broken']);
    await failure(h, 'run:5', 'e', 50, 'infrastructure');
    await h.markReran('shop-ci', 'run:5', 51);
    // A failure before the window counts nowhere.
    await failure(h, 'run:0', 'z', 1, 'code');

    const s = summarizeCi(await h.all(), { 'shop-ci': ref, idle: { ...ref, repository: 'acme/idle' } }, 5);
    expect(s.byClass).toEqual({ infrastructure: 2, flaky_test: 2, dependency: 0, code: 1, config: 0 });
    expect(s.reruns).toEqual({ total: 4, passed: 2, failed: 1, waiting: 1 });
    expect(s.recent.map((f) => [f.runKey, f.outcome])).toEqual([
      ['run:5', null],
      ['run:4', null],
      ['run:3', 'failed'],
      ['run:2', 'passed'],
      ['run:1', 'passed'],
    ]);
    expect(s.flakiest.map((t) => [t.test, t.flakyCommits, t.failures])).toEqual([
      ['t_flaky', 2, 2],
      ['t_once', 1, 1],
    ]);
    expect(s.pipelines.map((p) => [p.name, p.failures, p.reruns, p.last?.passed ?? null])).toEqual([
      ['shop-ci', 5, 4, false],
      ['idle', 0, 0, null],
    ]);
  });
});
