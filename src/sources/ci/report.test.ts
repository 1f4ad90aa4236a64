import { describe, expect, it } from 'vitest';
import { commentBody, flakyHistory, issueBody } from './report.js';

describe('CI reports', () => {
  it('counts the commits a test failed and passed on, per test', () => {
    const runs = [
      { test: 't1', commit: 'a', passed: false, at: 1 },
      { test: 't1', commit: 'a', passed: true, at: 2 },
      { test: 't1', commit: 'b', passed: false, at: 3 },
      { test: 't2', commit: 'a', passed: false, at: 4 },
      { test: 't1', commit: 'c', passed: true, at: 5 },
    ];
    expect(flakyHistory(runs).map((t) => [t.test, t.flakyCommits, t.runs.length])).toEqual([
      ['t1', 1, 4],
      ['t2', 0, 1],
    ]);
  });

  it('quotes failing lines in a fence no line can close', () => {
    const body = commentBody({
      workflow: 'CI',
      cls: 'code',
      confidence: '0.9',
      step: 'npm test',
      url: '',
      evidence: ['a test failed'],
      lines: ['```', 'expected 1'],
      rerun: 'Not re-run.',
    });
    expect(body).toContain('````\n```\nexpected 1\n````');
    expect(body).toContain('**code** (confidence 0.9)');
  });

  it('an issue lists the runs with their commits and results', () => {
    const body = issueBody(
      {
        test: 'pkg.TestDrain',
        flakyCommits: 2,
        runs: [
          { test: 'pkg.TestDrain', commit: 'a'.repeat(40), passed: false, at: Date.UTC(2026, 2, 2, 9, 14) },
          { test: 'pkg.TestDrain', commit: 'a'.repeat(40), passed: true, at: Date.UTC(2026, 2, 2, 9, 30) },
        ],
      },
      'shop-ci',
      'https://ci/run/1',
    );
    expect(body).toContain('2 times in pipeline **shop-ci**');
    expect(body).toContain(`| 2026-03-02 09:14 | \`${'a'.repeat(12)}\` | failed |`);
    expect(body).toContain('[The latest failure](https://ci/run/1)');
  });
});
