import { afterEach, describe, expect, it } from 'vitest';
import { type ApiServer, startApi } from '../src/api/index.js';
import type { Medic } from '../src/daemon/index.js';
import { type Fake, fakeGithub, fixture, sendGithub, workflowJob, workflowRun } from './ci-fakes.js';
import { tempDir, waitFor } from './helpers.js';
import { startMedic } from './incidents-helpers.js';

const SECRET = "It's a Secret to Everybody";
process.env['CI_TEST_GH_SECRET'] = SECRET;
process.env['CI_TEST_GH_TOKEN'] = 'ghp_test_token_not_real';

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
  github: { api_url: "${fakeUrl}", secret_env: CI_TEST_GH_SECRET, token_env: CI_TEST_GH_TOKEN }
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

describe('GitHub Actions: signed webhooks, log through Octokit, re-run, resolved', () => {
  it('a runner failure is re-run once through rerun-failed-jobs and the incident resolves on the re-run success', async () => {
    const sha = 'a'.repeat(40);
    const reruns: string[] = [];
    let url = '';
    fake = await fakeGithub(
      { '901': fixture('github-runner-lost.log'), '902': fixture('github-code.log') },
      (run) => {
        reruns.push(run);
        // GitHub runs the failed jobs again; the run's second attempt passes and GitHub says so.
        setTimeout(
          () =>
            void sendGithub(
              url,
              SECRET,
              'workflow_run',
              'd-3',
              workflowRun({ runId: 77, attempt: 2, conclusion: 'success', sha }),
            ),
          50,
        );
      },
    );
    medic = await startMedic(await tempDir(), config(fake.url));
    api = await startApi(medic, '127.0.0.1', 0, { webRoot: null });
    url = api.url;
    const m = medic;

    const job = workflowJob({ id: 901, runId: 77, attempt: 1, conclusion: 'failure', sha });
    expect(await sendGithub(url, SECRET, 'workflow_job', 'd-1', job)).toMatchObject({ status: 202 });
    // The run's own event for the same attempt is the same failure: judged once, re-run once.
    expect(
      await sendGithub(
        url,
        SECRET,
        'workflow_run',
        'd-2',
        workflowRun({ runId: 77, attempt: 1, conclusion: 'failure', sha }),
      ),
    ).toMatchObject({ status: 202 });

    const resolved = await waitFor(
      'the incident resolved',
      async () => {
        const { items } = await m.store.listIncidents({ service: 'shop', limit: 5 });
        return items.find((i) => i.state === 'resolved');
      },
      30_000,
    );
    expect(reruns).toEqual(['77']);
    // Octokit fetched the job's log (following GitHub's redirect) with the token, then asked for the re-run.
    const calls = fake.seen.map((s) => `${s.method} ${s.url.split('?')[0]}`);
    expect(calls).toEqual([
      'GET /repos/acme/shop/actions/jobs/901/logs',
      'GET /blob/job-logs/901.txt',
      'POST /repos/acme/shop/actions/runs/77/rerun-failed-jobs',
    ]);
    expect(fake.seen[0]?.auth).toBe('token ghp_test_token_not_real');
    const timeline = await m.store.timeline(resolved.id);
    const diagnosis = timeline.find((e) => e.kind === 'diagnosis');
    expect(diagnosis?.data).toMatchObject({ cause: 'ci_infrastructure' });
    expect(String(diagnosis?.message)).toContain('runner-shutdown');
    const { items: actions } = await m.store.listActions({ service: 'shop', limit: 10 });
    expect(actions.map((a) => [a.kind, a.state])).toEqual([['ci-rerun', 'verified']]);

    // A code failure on another run: classified, reported with its failing line, never re-run.
    await sendGithub(
      url,
      SECRET,
      'workflow_job',
      'd-4',
      workflowJob({ id: 902, runId: 78, attempt: 1, conclusion: 'failure', sha: 'b'.repeat(40) }),
    );
    const code = await waitFor(
      'the code failure diagnosed',
      async () => {
        const { items } = await m.store.listIncidents({ service: 'shop', limit: 5 });
        const open = items.find((i) => i.state !== 'resolved');
        if (!open) return null;
        const d = (await m.store.timeline(open.id)).find((e) => e.kind === 'diagnosis');
        return d ? { open, d } : null;
      },
      20_000,
    );
    expect(code.d.data).toMatchObject({ cause: 'ci_code' });
    expect(JSON.stringify(code.d.data)).toContain('error TS2322');
    await new Promise((r) => setTimeout(r, 500));
    expect(reruns).toEqual(['77']);
  }, 60_000);

  it('a bad signature, an unsigned request, a replayed delivery and a malformed body are refused with 4xx and audited', async () => {
    fake = await fakeGithub({}, () => {});
    medic = await startMedic(await tempDir(), config(fake.url));
    api = await startApi(medic, '127.0.0.1', 0, { webRoot: null });
    const url = api.url;
    const job = workflowJob({ id: 5, runId: 6, attempt: 1, conclusion: 'success', sha: 'c'.repeat(40) });
    const bad = await sendGithub(url, SECRET, 'workflow_job', 'r-1', job, {
      signature: `sha256=${'0'.repeat(64)}`,
    });
    expect(bad).toMatchObject({
      status: 401,
      body: { error: { message: expect.stringContaining('bad signature') } },
    });
    const wrongSecret = await sendGithub(url, 'not the secret', 'workflow_job', 'r-1b', job);
    expect(wrongSecret.status).toBe(401);
    const unsigned = await sendGithub(url, SECRET, 'workflow_job', 'r-1c', job, { signature: '' });
    expect(unsigned.status).toBe(401);
    expect(await sendGithub(url, SECRET, 'workflow_job', 'r-2', job)).toMatchObject({ status: 202 });
    const replay = await sendGithub(url, SECRET, 'workflow_job', 'r-2', job);
    expect(replay).toMatchObject({ status: 409, body: { error: { message: 'replayed delivery r-2' } } });
    const malformed = await sendGithub(url, SECRET, 'workflow_job', 'r-3', null, {
      raw: '{"action": "completed",',
    });
    expect(malformed).toMatchObject({
      status: 400,
      body: { error: { message: expect.stringContaining('not JSON') } },
    });
    const audit = await medic.store.listAudit({ limit: 50, offset: 0 });
    const refused = audit.filter((e) => e.event === 'ci.webhook_refused').map((e) => e.data['status']);
    expect(refused.sort()).toEqual([400, 401, 401, 401, 409]);
    // The secret never reaches the audit log.
    expect(JSON.stringify(audit)).not.toContain(SECRET);
  }, 30_000);
});
