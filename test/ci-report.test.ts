/**
 * Reporting where the team works (issue 17's optional steps): a flaky failure's playbook comments on the
 * failed commit with the diagnosis and the failing lines, opens one issue for a test that flaked on
 * `ci.flaky_issue.after` commits (with its runs), and re-runs; each step journaled. GitHub through Octokit and
 * GitLab through @gitbeaker, against local servers speaking their REST APIs; webhooks signed as they sign them.
 */
import { afterEach, describe, expect, it } from 'vitest';
import { type ApiServer, startApi } from '../src/api/index.js';
import type { Medic } from '../src/daemon/index.js';
import { githubClient } from '../src/sources/ci/github-client.js';
import { gitlabClient } from '../src/sources/ci/gitlab-client.js';
import {
  type Fake,
  fakeGithub,
  fakeGitlab,
  fixture,
  gitlabPipelineHook,
  sendGithub,
  sendGitlab,
  workflowJob,
  workflowRun,
} from './ci-fakes.js';
import { tempDir, waitFor } from './helpers.js';
import { startMedic } from './incidents-helpers.js';

const SECRET = 'report-hook-secret';
process.env['CI_TEST_REPORT_SECRET'] = SECRET;
process.env['CI_TEST_REPORT_TOKEN'] = 'ghp_report_token_not_real';
process.env['CI_TEST_REPORT_GL_TOKEN'] = 'glpat-report-not-real';

let medic: Medic | null = null;
let api: ApiServer | null = null;
let fake: Fake | null = null;

afterEach(async () => {
  await api?.close();
  await medic?.stop();
  await fake?.close();
  medic = api = fake = null;
});

const TEST = 'tests/test_cart.py::test_total';
const FAILED_LINE = `FAILED ${TEST} - assert 41 == 42`;
const pytestLog = [
  '2026-03-02T09:14:01.2000000Z ##[group]Run pytest -q',
  '2026-03-02T09:14:01.4000000Z ##[endgroup]',
  '2026-03-02T09:14:30.1000000Z ........F.......',
  '2026-03-02T09:14:30.3000000Z E       assert 41 == 42',
  `2026-03-02T09:14:30.4000000Z ${FAILED_LINE}`,
  '2026-03-02T09:14:30.5000000Z 1 failed, 15 passed in 28.40s',
  '2026-03-02T09:14:30.6000000Z ##[error]Process completed with exit code 1.',
].join('\n');
const sha = (c: string) => c.repeat(40);

const steps = `    steps:
      - ci_comment: {}
      - ci_flaky_issue: {}
      - ci_rerun: {}
    verify: { within: 60s, stable_for: 200ms }`;

async function actionsOf(m: Medic, kind: string): Promise<{ state: string; result: string }[]> {
  const { items } = await m.store.listActions({ service: 'shop', limit: 100 });
  const out: { state: string; result: string }[] = [];
  for (const a of items.filter((x) => x.kind === kind).reverse()) {
    const j = await m.store.journal(a.id);
    out.push({ state: a.state, result: j.find((e) => e.state === 'applied')?.message ?? '' });
  }
  return out;
}

describe('CI reports: a comment on the commit, an issue for a flaky test', () => {
  it('GitHub: each flaky failure is commented; the test gets one issue once it flaked on two commits', async () => {
    let url = '';
    const shaOfRun: Record<string, string> = { '81': sha('b'), '82': sha('c'), '83': sha('d') };
    const reruns: string[] = [];
    fake = await fakeGithub(
      { '801': pytestLog, '811': pytestLog, '821': pytestLog, '831': pytestLog },
      (run) => {
        reruns.push(run);
        setTimeout(
          () =>
            void sendGithub(
              url,
              SECRET,
              'workflow_run',
              `rerun-${run}`,
              workflowRun({
                runId: Number(run),
                attempt: 2,
                conclusion: 'success',
                sha: shaOfRun[run] as string,
              }),
            ),
          50,
        );
      },
    );
    medic = await startMedic(
      await tempDir(),
      `services:
  shop:
    description: known to Medic through its pipeline
ci:
  github: { api_url: "${fake.url}", secret_env: CI_TEST_REPORT_SECRET, token_env: CI_TEST_REPORT_TOKEN }
  reruns: { backoff: 100ms }
  comment: { enabled: true }
  flaky_issue: { enabled: true, after: 2 }
  pipelines:
    shop-ci: { provider: github, repository: acme/shop, branches: [main], service: shop }
playbooks:
  rerun-ci:
    when: { service: shop, cause: [ci_infrastructure, ci_flaky_test] }
${steps}
notifiers: []
store: { dir: ./data }
`,
    );
    api = await startApi(medic, '127.0.0.1', 0, { webRoot: null });
    url = api.url;
    const m = medic;
    const green = () =>
      waitFor(
        'the pipeline green',
        async () => {
          const { items } = await m.store.listIncidents({ service: 'shop', limit: 50 });
          return items.length > 0 && items.every((i) => i.state === 'resolved' || i.state === 'escalated')
            ? true
            : null;
        },
        20_000,
      );
    const fail = async (id: number, run: number, c: string) => {
      const job = workflowJob({ id, runId: run, attempt: 1, conclusion: 'failure', sha: sha(c) });
      expect((await sendGithub(url, SECRET, 'workflow_job', `job-${id}`, job)).status).toBe(202);
    };

    // Commit a: the test fails (no history: the code's, no playbook); a person re-runs it and it passes.
    await fail(801, 80, 'a');
    await waitFor('the first incident', async () =>
      (await m.store.listIncidents({ limit: 5 })).total > 0 ? true : null,
    );
    const manual = workflowRun({ runId: 80, attempt: 2, conclusion: 'success', sha: sha('a') });
    expect((await sendGithub(url, SECRET, 'workflow_run', 'manual-80', manual)).status).toBe(202);
    await green();
    expect(fake.comments).toEqual([]);

    // Commit b: flaky now (it failed and passed on a). Commented, re-run; one flaky commit: no issue yet.
    await fail(811, 81, 'b');
    await waitFor('the re-run of 81', async () => (reruns.includes('81') ? true : null), 20_000);
    await green();
    expect(fake.comments.map((c) => c.sha)).toEqual([sha('b')]);
    expect(fake.issues).toEqual([]);
    // Commit c: it flaked on a and b: its issue is opened, with its runs.
    await fail(821, 82, 'c');
    await waitFor('the re-run of 82', async () => (reruns.includes('82') ? true : null), 20_000);
    await green();
    // Commit d: the issue is open already: none opened again.
    await fail(831, 83, 'd');
    await waitFor('the re-run of 83', async () => (reruns.includes('83') ? true : null), 20_000);
    await green();

    expect(reruns).toEqual(['81', '82', '83']);
    expect(fake.comments.map((c) => c.sha)).toEqual([sha('b'), sha('c'), sha('d')]);
    const comment = fake.comments[1]?.body ?? '';
    expect(comment).toContain('**flaky_test**');
    expect(comment).toContain(FAILED_LINE);
    expect(comment).toContain('https://github.com/acme/shop/actions/runs/82');
    expect(fake.issues).toHaveLength(1);
    const issue = fake.issues[0];
    expect(issue?.title).toBe(`Flaky test: ${TEST}`);
    expect(issue?.labels).toEqual(['flaky-test']);
    for (const c of ['a', 'b', 'c']) expect(issue?.body).toContain(`\`${sha(c).slice(0, 12)}\``);
    expect(issue?.body).toContain('2 times');

    const issues = await actionsOf(m, 'ci-flaky-issue');
    expect(issues.map((a) => a.state)).toEqual(['verified', 'verified', 'verified']);
    expect(issues[0]?.result).toMatch(/^none opened: .* flaked on 1 commits/);
    expect(issues[1]?.result).toBe('opened: https://github.com/acme/shop/issues/1');
    expect(issues[2]?.result).toBe('already open: https://github.com/acme/shop/issues/1');
    const comments = await actionsOf(m, 'ci-comment');
    expect(comments.map((a) => a.result)).toEqual([
      expect.stringContaining(`commented on commit ${sha('b').slice(0, 12)}`),
      expect.stringContaining(`commented on commit ${sha('c').slice(0, 12)}`),
      expect.stringContaining(`commented on commit ${sha('d').slice(0, 12)}`),
    ]);
    // The token went to GitHub as Octokit sends it, and nowhere into the journal.
    expect(
      fake.seen
        .filter((s) => s.url.includes('/comments'))
        .every((s) => s.auth === 'token ghp_report_token_not_real'),
    ).toBe(true);
    const { items } = await m.store.listActions({ service: 'shop', limit: 100 });
    expect(JSON.stringify(items)).not.toContain('ghp_report_token_not_real');
  }, 90_000);

  it('GitLab: an infrastructure failure is commented on its commit through @gitbeaker, then retried', async () => {
    let url = '';
    fake = await fakeGitlab({ '9001': fixture('gitlab-network.log') }, () => {
      setTimeout(
        () =>
          void sendGitlab(
            url,
            SECRET,
            'Pipeline Hook',
            'gl-3',
            gitlabPipelineHook('success', [{ id: 9002, status: 'success' }]),
          ),
        50,
      );
    });
    medic = await startMedic(
      await tempDir(),
      `services:
  shop:
    description: known to Medic through its pipeline
ci:
  gitlab: { url: "${fake.url}", secret_env: CI_TEST_REPORT_SECRET, token_env: CI_TEST_REPORT_GL_TOKEN }
  comment: { enabled: true }
  pipelines:
    shop-ci: { provider: gitlab, repository: acme/shop, branches: [main], service: shop }
playbooks:
  rerun-ci:
    when: { service: shop, cause: [ci_infrastructure, ci_flaky_test] }
${steps}
notifiers: []
store: { dir: ./data }
`,
    );
    api = await startApi(medic, '127.0.0.1', 0, { webRoot: null });
    url = api.url;
    const m = medic;
    const failed = gitlabPipelineHook('failed', [
      { id: 9001, status: 'failed', failure_reason: 'script_failure' },
    ]);
    expect((await sendGitlab(url, SECRET, 'Pipeline Hook', 'gl-1', failed)).status).toBe(202);
    await waitFor(
      'the incident resolved',
      async () =>
        (await m.store.listIncidents({ service: 'shop', limit: 5 })).items[0]?.state === 'resolved'
          ? true
          : null,
      30_000,
    );
    expect(fake.seen.map((x) => `${x.method} ${x.url.split('?')[0]}`)).toEqual([
      'GET /api/v4/projects/4711/jobs/9001/trace',
      'POST /api/v4/projects/4711/repository/commits/' + 'd'.repeat(40) + '/comments',
      'POST /api/v4/projects/4711/pipelines/3141/retry',
    ]);
    expect(fake.comments).toHaveLength(1);
    expect(fake.comments[0]?.body).toContain('**infrastructure**');
    // The issue step is off in this config: journaled, nothing asked of GitLab.
    expect((await actionsOf(m, 'ci-flaky-issue')).map((a) => a.result)).toEqual([
      'none opened: ci.flaky_issue.enabled is off',
    ]);
  }, 60_000);
});

describe('the clients open one issue per title', () => {
  const target = {
    provider: 'github' as const,
    repository: 'acme/shop',
    runId: '1',
    jobId: null,
    branch: null,
  };
  const issue = { title: `Flaky test: ${TEST}`, body: 'failed and passed on a', labels: ['flaky-test'] };

  it('GitHub through Octokit: opened, then found open; a closed one is opened anew', async () => {
    fake = await fakeGithub({}, () => {});
    const c = githubClient({ baseUrl: fake.url, token: 'ghp_x' });
    expect(await c.openIssue(target, issue)).toEqual({
      url: 'https://github.com/acme/shop/issues/1',
      opened: true,
    });
    expect(await c.openIssue(target, issue)).toEqual({
      url: 'https://github.com/acme/shop/issues/1',
      opened: false,
    });
    (fake.issues[0] as { state: string }).state = 'closed';
    expect(await c.openIssue(target, issue)).toEqual({
      url: 'https://github.com/acme/shop/issues/2',
      opened: true,
    });
    expect(fake.issues.map((i) => [i.title, i.labels])).toEqual([
      [issue.title, ['flaky-test']],
      [issue.title, ['flaky-test']],
    ]);
  });

  it('GitLab through @gitbeaker: opened, then found open', async () => {
    fake = await fakeGitlab({}, () => {});
    const c = gitlabClient({ baseUrl: fake.url, token: 'glpat-x' });
    const t = { ...target, provider: 'gitlab' as const, projectId: 4711 };
    const first = await c.openIssue(t, issue);
    expect(first).toEqual({ url: 'https://gitlab.example.com/4711/-/issues/1', opened: true });
    expect(await c.openIssue(t, issue)).toEqual({ ...first, opened: false });
    expect(fake.issues).toHaveLength(1);
    expect(fake.issues[0]).toMatchObject({ title: issue.title, body: issue.body, labels: ['flaky-test'] });
  });
});
