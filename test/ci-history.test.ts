/**
 * History learned from passes Medic did not ask for: a run a person re-ran, or another run of the same
 * workflow on the same commit, passing after a test failed there makes the test known to flake, so its next
 * failure on another commit is re-run without a human. Another workflow's pass teaches nothing.
 */
import { existsSync } from 'node:fs';
import { mkdir, writeFile } from 'node:fs/promises';
import path from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { type ApiServer, startApi } from '../src/api/index.js';
import type { Medic } from '../src/daemon/index.js';
import { type Fake, fakeGithub, sendGithub, workflowJob, workflowRun } from './ci-fakes.js';
import { tempDir, waitFor } from './helpers.js';
import { startMedic } from './incidents-helpers.js';

const SECRET = 'history-hook-secret';
process.env['CI_TEST_HIST_SECRET'] = SECRET;
process.env['CI_TEST_HIST_TOKEN'] = 'ghp_history_token_not_real';

let medic: Medic | null = null;
let api: ApiServer | null = null;
let fake: Fake | null = null;

afterEach(async () => {
  await api?.close();
  await medic?.stop();
  await fake?.close();
  medic = api = fake = null;
});

const config = (fakeUrl: string) => `services:
  shop:
    description: known to Medic through its pipeline
ci:
  github: { api_url: "${fakeUrl}", secret_env: CI_TEST_HIST_SECRET, token_env: CI_TEST_HIST_TOKEN }
  reruns: { backoff: 1s }
  pipelines:
    shop-ci: { provider: github, repository: acme/shop, branches: [main], service: shop }
playbooks:
  rerun-ci:
    when: { service: shop, cause: [ci_infrastructure, ci_flaky_test] }
    steps:
      - ci_rerun: {}
    verify: { within: 60s, stable_for: 200ms }
notifiers: []
store: { dir: ./data }
`;

/** A pytest job whose one test failed on an assertion, as GitHub serves the job's log. */
const pytestLog = (test: string) =>
  [
    "2026-03-02T09:14:00.1000000Z Current runner version: '2.322.0'",
    '2026-03-02T09:14:01.2000000Z ##[group]Run pytest -q',
    '2026-03-02T09:14:01.3000000Z pytest -q',
    '2026-03-02T09:14:01.4000000Z ##[endgroup]',
    '2026-03-02T09:14:30.1000000Z ........F.......',
    `2026-03-02T09:14:30.2000000Z ${'_'.repeat(20)} test ${'_'.repeat(20)}`,
    '2026-03-02T09:14:30.3000000Z E       assert 41 == 42',
    `2026-03-02T09:14:30.4000000Z FAILED ${test} - assert 41 == 42`,
    '2026-03-02T09:14:30.5000000Z 1 failed, 15 passed in 28.40s',
    '2026-03-02T09:14:30.6000000Z ##[error]Process completed with exit code 1.',
  ].join('\n');

const sha = (c: string) => c.repeat(40);

interface Setup {
  m: Medic;
  url: string;
  reruns: string[];
}

async function setup(
  logs: Record<string, string>,
  onRerun: (run: string, url: string) => void,
  dir?: string,
) {
  const reruns: string[] = [];
  let url = '';
  fake = await fakeGithub(logs, (run) => {
    reruns.push(run);
    onRerun(run, url);
  });
  medic = await startMedic(dir ?? (await tempDir()), config(fake.url));
  api = await startApi(medic, '127.0.0.1', 0, { webRoot: null });
  url = api.url;
  return { m: medic, url, reruns } satisfies Setup;
}

let delivery = 0;
const send = (s: Setup, event: 'workflow_job' | 'workflow_run', payload: unknown) =>
  sendGithub(s.url, SECRET, event, `h-${++delivery}`, payload).then((r) => expect(r.status).toBe(202));

/** The causes diagnosed so far, oldest first. */
async function causes(m: Medic): Promise<string[]> {
  const { items } = await m.store.listIncidents({ service: 'shop', limit: 50 });
  const found: { at: number; cause: string }[] = [];
  for (const i of items)
    for (const e of await m.store.timeline(i.id))
      if (e.kind === 'diagnosis') found.push({ at: e.at, cause: String(e.data['cause']) });
  return found.sort((a, b) => a.at - b.at).map((d) => d.cause);
}

async function nthCause(m: Medic, n: number): Promise<string> {
  const all = await waitFor(
    `diagnosis ${n}`,
    async () => {
      const c = await causes(m);
      return c.length >= n ? c : null;
    },
    20_000,
  );
  return all[n - 1] as string;
}

/** The check is up again once the pipeline's success arrived: the next failure is a new incident. */
async function pipelineGreen(m: Medic) {
  await waitFor(
    'the pipeline green',
    async () => {
      const { items } = await m.store.listIncidents({ service: 'shop', limit: 50 });
      return items.every((i) => i.state === 'resolved' || i.state === 'escalated') ? true : null;
    },
    20_000,
  );
}

describe('CI history from passes nobody asked Medic for', () => {
  it("a person's re-run passing on the failed commit makes the test's next failure a flake, re-run by Medic", async () => {
    const test = 'tests/test_cart.py::test_total';
    const s = await setup(
      { '801': pytestLog(test), '821': pytestLog(test), '831': pytestLog(test) },
      (run, url) =>
        setTimeout(
          () =>
            void sendGithub(
              url,
              SECRET,
              'workflow_run',
              `h-rerun-${run}`,
              workflowRun({ runId: Number(run), attempt: 2, conclusion: 'success', sha: sha('c') }),
            ),
          50,
        ),
    );
    // Commit a: the test fails; no history, so it is the code's and nobody re-runs it.
    await send(
      s,
      'workflow_job',
      workflowJob({ id: 801, runId: 80, attempt: 1, conclusion: 'failure', sha: sha('a') }),
    );
    expect(await nthCause(s.m, 1)).toBe('ci_code');
    // Another workflow passing on commit a says nothing of this test.
    await send(
      s,
      'workflow_run',
      workflowRun({ runId: 81, attempt: 1, conclusion: 'success', sha: sha('a'), workflow: 'Docs' }),
    );
    await pipelineGreen(s.m);
    await send(
      s,
      'workflow_job',
      workflowJob({ id: 821, runId: 82, attempt: 1, conclusion: 'failure', sha: sha('b') }),
    );
    expect(await nthCause(s.m, 2)).toBe('ci_code');
    // A person re-runs run 82 and it passes on commit b: the test failed and passed on one commit.
    await send(
      s,
      'workflow_run',
      workflowRun({ runId: 82, attempt: 2, conclusion: 'success', sha: sha('b') }),
    );
    await pipelineGreen(s.m);
    expect(s.reruns).toEqual([]);
    // Commit c: the same test fails; history says it flakes, so Medic re-runs it and the re-run's pass resolves.
    await send(
      s,
      'workflow_job',
      workflowJob({ id: 831, runId: 83, attempt: 1, conclusion: 'failure', sha: sha('c') }),
    );
    expect(await nthCause(s.m, 3)).toBe('ci_flaky_test');
    await waitFor('the re-run', async () => (s.reruns.length > 0 ? true : null), 20_000);
    expect(s.reruns).toEqual(['83']);
    await pipelineGreen(s.m);
  }, 60_000);

  it('another run of the same workflow passing on the failed commit (a later push) teaches the same', async () => {
    const test = 'tests/test_orders.py::test_refund';
    const s = await setup({ '841': pytestLog(test), '861': pytestLog(test) }, (run, url) =>
      setTimeout(
        () =>
          void sendGithub(
            url,
            SECRET,
            'workflow_run',
            `h-rerun-${run}`,
            workflowRun({ runId: Number(run), attempt: 2, conclusion: 'success', sha: sha('e') }),
          ),
        50,
      ),
    );
    await send(
      s,
      'workflow_job',
      workflowJob({ id: 841, runId: 84, attempt: 1, conclusion: 'failure', sha: sha('d') }),
    );
    expect(await nthCause(s.m, 1)).toBe('ci_code');
    // A new run of CI on the same commit (pushed again to main) passes.
    await send(
      s,
      'workflow_run',
      workflowRun({ runId: 85, attempt: 1, conclusion: 'success', sha: sha('d') }),
    );
    await pipelineGreen(s.m);
    await send(
      s,
      'workflow_job',
      workflowJob({ id: 861, runId: 86, attempt: 1, conclusion: 'failure', sha: sha('e') }),
    );
    expect(await nthCause(s.m, 2)).toBe('ci_flaky_test');
    await waitFor('the re-run', async () => (s.reruns.length > 0 ? true : null), 20_000);
    expect(s.reruns).toEqual(['86']);
    await pipelineGreen(s.m);
  }, 60_000);

  it('the ci-history.json of an earlier version is imported at start: its flakes and deliveries count', async () => {
    const test = 'tests/test_stock.py::test_reserve';
    const dir = await tempDir();
    const file = path.join(dir, 'data', 'ci-history.json');
    await mkdir(path.dirname(file), { recursive: true });
    const now = Date.now();
    // What a replica had learned in its file: the test failed and then passed on commit f.
    await writeFile(
      file,
      JSON.stringify({
        version: 1,
        pipelines: {
          'shop-ci': {
            tests: {
              [test]: [
                { test, commit: sha('f'), passed: false, at: now - 60_000 },
                { test, commit: sha('f'), passed: true, at: now - 30_000 },
              ],
            },
            templates: {},
            reruns: [],
            pending: {},
          },
        },
        deliveries: { 'github:h-before-upgrade': now - 5_000 },
      }),
    );
    const s = await setup(
      { '871': pytestLog(test) },
      (run, url) =>
        setTimeout(
          () =>
            void sendGithub(
              url,
              SECRET,
              'workflow_run',
              `h-rerun-${run}`,
              workflowRun({ runId: Number(run), attempt: 2, conclusion: 'success', sha: sha('9') }),
            ),
          50,
        ),
      dir,
    );
    expect(existsSync(file)).toBe(false);
    expect(existsSync(`${file}.imported`)).toBe(true);
    // A delivery the file had seen is a replay.
    const replay = await sendGithub(
      s.url,
      SECRET,
      'workflow_run',
      'h-before-upgrade',
      workflowRun({ runId: 1, attempt: 1, conclusion: 'success', sha: sha('f') }),
    );
    expect(replay.status).toBe(409);
    // The test fails on a new commit: the imported history says it flakes, so Medic re-runs it.
    await send(
      s,
      'workflow_job',
      workflowJob({ id: 871, runId: 87, attempt: 1, conclusion: 'failure', sha: sha('9') }),
    );
    expect(await nthCause(s.m, 1)).toBe('ci_flaky_test');
    await waitFor('the re-run', async () => (s.reruns.length > 0 ? true : null), 20_000);
    expect(s.reruns).toEqual(['87']);
    await pipelineGreen(s.m);
    // The store holds it now, the re-run's pass included.
    const doc = (await s.m.store.getCiHistory('shop-ci')) as { tests: Record<string, { commit: string }[]> };
    expect(doc.tests[test]?.map((r) => r.commit)).toEqual([sha('f'), sha('f'), sha('9'), sha('9')]);
  }, 60_000);
});
