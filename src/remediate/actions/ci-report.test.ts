import { describe, expect, it } from 'vitest';
import { ciCommentAction } from './ci-comment.js';
import { ciFlakyIssueAction } from './ci-flaky-issue.js';
import type { ExtendedStep } from './steps.js';
import { testContext } from './testing.js';

const step = (s: Record<string, unknown>) => ({ timeout: 30_000, ...s }) as unknown as ExtendedStep;

const flaky = (flakyCommits: number) =>
  JSON.stringify([
    {
      test: 'pkg.TestDrain',
      flakyCommits,
      runs: [{ test: 'pkg.TestDrain', commit: 'a'.repeat(40), passed: false, at: 0 }],
    },
  ]);

function vars(labels: Record<string, string>) {
  return {
    baseDir: '/',
    vars: {
      service: { name: 'shop' },
      finding: {
        labels: {
          ci_provider: 'github',
          ci_pipeline: 'shop-ci',
          ci_repository: 'acme/shop',
          ci_run: '77',
          ci_commit: 'c'.repeat(40),
          ci_class: 'flaky_test',
          ci_confidence: '0.92',
          ci_failing_lines: JSON.stringify(['--- FAIL: TestDrain (0.31s)']),
          ci_api: 'http://127.0.0.1:1',
          ci_token_env: 'CI_REPORT_UNIT_TOKEN_UNSET',
          ...labels,
        },
      },
    },
  };
}

describe('ci_comment', () => {
  it('plans the comment text from the labels; posts nothing while ci.comment is off', async () => {
    const plan = ciCommentAction.plan(step({ ci_comment: {} }), 'shop', {}, vars({}));
    expect(String(plan.params['body'])).toContain('**flaky_test** (confidence 0.92)');
    expect(String(plan.params['body'])).toContain('--- FAIL: TestDrain (0.31s)');
    // Off: not even the token is looked for (none is set), and nothing is called.
    expect(await ciCommentAction.apply(plan, testContext())).toBe('not posted: ci.comment.enabled is off');
  });

  it('on, without a token, says which variable to set; Jenkins and a finding without a commit are refused', async () => {
    const plan = ciCommentAction.plan(step({ ci_comment: {} }), 'shop', {}, vars({ ci_comment: 'on' }));
    await expect(ciCommentAction.apply(plan, testContext())).rejects.toThrow(
      'set CI_REPORT_UNIT_TOKEN_UNSET',
    );
    expect(() => ciCommentAction.plan(step({}), 'shop', {}, vars({ ci_provider: 'jenkins' }))).toThrow(
      'Jenkins has no commit comments',
    );
    expect(() => ciCommentAction.plan(step({}), 'shop', {}, vars({ ci_commit: '' }))).toThrow(
      'names no commit',
    );
    expect(() => ciCommentAction.plan(step({}), 'shop', {}, { baseDir: '/' })).toThrow('names no CI run');
  });
});

describe('ci_flaky_issue', () => {
  const on = (after: number) => JSON.stringify({ after, labels: ['flaky-test'] });

  it('plans an issue only for a test that flaked on `after` commits', async () => {
    const below = ciFlakyIssueAction.plan(
      step({}),
      'shop',
      {},
      vars({ ci_flaky: flaky(2), ci_flaky_issue: on(3) }),
    );
    expect(below.params['issues']).toEqual([]);
    expect(await ciFlakyIssueAction.apply(below, testContext())).toBe(
      'none opened: pkg.TestDrain flaked on 2 commits (ci.flaky_issue.after 3)',
    );
    const due = ciFlakyIssueAction.plan(
      step({}),
      'shop',
      {},
      vars({ ci_flaky: flaky(3), ci_flaky_issue: on(3) }),
    );
    expect((due.params['issues'] as { title: string }[]).map((i) => i.title)).toEqual([
      'Flaky test: pkg.TestDrain',
    ]);
    expect(due.params['labels']).toEqual(['flaky-test']);
  });

  it('off: opens none whatever the test did', async () => {
    const plan = ciFlakyIssueAction.plan(step({}), 'shop', {}, vars({ ci_flaky: flaky(9) }));
    expect(await ciFlakyIssueAction.apply(plan, testContext())).toBe(
      'none opened: ci.flaky_issue.enabled is off',
    );
  });
});
