import { afterEach, describe, expect, it } from 'vitest';
import { type ApiServer, startApi } from '../src/api/index.js';
import type { Medic } from '../src/daemon/index.js';
import {
  type Fake,
  fakeGitlab,
  fakeJenkins,
  fixture,
  gitlabPipelineHook as pipelineHook,
  sendGitlab,
  sendJenkins,
} from './ci-fakes.js';
import { tempDir, waitFor } from './helpers.js';
import { startMedic } from './incidents-helpers.js';

process.env['CI_TEST_GL_SECRET'] = 'gitlab-hook-secret';
process.env['CI_TEST_GL_TOKEN'] = 'glpat-test-not-real';
process.env['CI_TEST_JK_SECRET'] = 'jenkins-notify-secret';
process.env['CI_TEST_JK_USER'] = 'medic';
process.env['CI_TEST_JK_TOKEN'] = 'jenkins-api-token';

let medic: Medic | null = null;
let api: ApiServer | null = null;
let fake: Fake | null = null;

afterEach(async () => {
  await api?.close();
  await medic?.stop();
  await fake?.close();
  medic = api = fake = null;
});

const config = (ci: string) => `services:
  shop:
    description: known to Medic through its pipeline
ci:
${ci}
playbooks:
  rerun-ci:
    when: { service: shop, cause: [ci_infrastructure, ci_flaky_test] }
    steps:
      - ci_rerun: {}
    verify: { within: 60s, stable_for: 200ms }
notifiers: []
store: { dir: ./data }
`;

async function resolvedAfterOneRerun(m: Medic, reruns: () => number) {
  const resolved = await waitFor(
    'the incident resolved',
    async () => {
      const { items } = await m.store.listIncidents({ service: 'shop', limit: 5 });
      return items.find((i) => i.state === 'resolved');
    },
    30_000,
  );
  expect(reruns()).toBe(1);
  const d = (await m.store.timeline(resolved.id)).find((e) => e.kind === 'diagnosis');
  expect(d?.data).toMatchObject({ cause: 'ci_infrastructure' });
  const { items } = await m.store.listActions({ service: 'shop', limit: 10 });
  expect(items.map((a) => [a.kind, a.state])).toEqual([['ci-rerun', 'verified']]);
}

describe('GitLab CI and Jenkins: verified webhooks, logs through their clients, re-run, resolved', () => {
  it('GitLab: a network failure is retried once through @gitbeaker and the pipeline success resolves it', async () => {
    let n = 0;
    let url = '';
    fake = await fakeGitlab({ '9001': fixture('gitlab-network.log') }, () => {
      n++;
      setTimeout(
        () =>
          void sendGitlab(
            url,
            'gitlab-hook-secret',
            'Pipeline Hook',
            'u-3',
            pipelineHook('success', [{ id: 9002, status: 'success' }]),
          ),
        50,
      );
    });
    medic = await startMedic(
      await tempDir(),
      config(`  gitlab: { url: "${fake.url}", secret_env: CI_TEST_GL_SECRET, token_env: CI_TEST_GL_TOKEN }
  pipelines:
    shop-ci: { provider: gitlab, repository: acme/shop, branches: [main], service: shop }`),
    );
    api = await startApi(medic, '127.0.0.1', 0, { webRoot: null });
    url = api.url;
    const failed = pipelineHook('failed', [{ id: 9001, status: 'failed', failure_reason: 'script_failure' }]);
    expect(await sendGitlab(url, 'gitlab-hook-secret', 'Pipeline Hook', 'u-1', failed)).toMatchObject({
      status: 202,
    });
    await resolvedAfterOneRerun(medic, () => n);
    expect(fake.seen.map((s) => `${s.method} ${s.url}`)).toEqual([
      'GET /api/v4/projects/4711/jobs/9001/trace',
      'POST /api/v4/projects/4711/pipelines/3141/retry',
    ]);
    expect(fake.seen[0]?.privateToken).toBe('glpat-test-not-real');
    // Refusals: no token, a wrong one, a replayed event, a malformed body.
    expect((await sendGitlab(url, null, 'Pipeline Hook', 'u-4', failed)).status).toBe(401);
    expect((await sendGitlab(url, 'wrong', 'Pipeline Hook', 'u-5', failed)).status).toBe(401);
    expect((await sendGitlab(url, 'gitlab-hook-secret', 'Pipeline Hook', 'u-1', failed)).status).toBe(409);
    expect(
      (
        await sendGitlab(
          url,
          'gitlab-hook-secret',
          'Pipeline Hook',
          'u-6',
          null,
          '{"object_kind": "pipeline"}',
        )
      ).status,
    ).toBe(400);
    const audit = await medic.store.listAudit({ limit: 50, offset: 0 });
    expect(
      audit
        .filter((e) => e.event === 'ci.webhook_refused')
        .map((e) => e.data['status'])
        .sort(),
    ).toEqual([400, 401, 401, 409]);
  }, 60_000);

  it('Jenkins: a lost agent is rebuilt once through the REST API and the next build success resolves it', async () => {
    let n = 0;
    let url = '';
    const note = (number: number, phase: string, status: string) => ({
      name: 'billing',
      display_name: 'billing',
      url: 'job/billing/',
      build: {
        full_url: `http://jenkins.example.com/job/billing/${number}/`,
        number,
        queue_id: 40 + number,
        timestamp: 1772442000000,
        duration: 61000,
        phase,
        status,
        url: `job/billing/${number}/`,
        scm: {
          url: 'https://git.example.com/acme/billing.git',
          branch: 'origin/main',
          commit: 'e'.repeat(40),
        },
        log: '',
        notes: '',
        artifacts: {},
      },
    });
    fake = await fakeJenkins({ '18': fixture('jenkins-agent-lost.log') }, () => {
      n++;
      setTimeout(() => void sendJenkins(url, 'jenkins-notify-secret', note(19, 'COMPLETED', 'SUCCESS')), 50);
    });
    medic = await startMedic(
      await tempDir(),
      config(`  jenkins: { url: "${fake.url}", secret_env: CI_TEST_JK_SECRET, user_env: CI_TEST_JK_USER, token_env: CI_TEST_JK_TOKEN }
  pipelines:
    billing: { provider: jenkins, repository: billing, branches: [main], service: shop }`),
    );
    api = await startApi(medic, '127.0.0.1', 0, { webRoot: null });
    url = api.url;
    expect((await sendJenkins(url, 'jenkins-notify-secret', note(18, 'STARTED', ''))).status).toBe(200);
    expect((await sendJenkins(url, 'jenkins-notify-secret', note(18, 'COMPLETED', 'FAILURE'))).status).toBe(
      202,
    );
    // FINALIZED of the same build is the same failure.
    expect((await sendJenkins(url, 'jenkins-notify-secret', note(18, 'FINALIZED', 'FAILURE'))).status).toBe(
      202,
    );
    await resolvedAfterOneRerun(medic, () => n);
    expect(fake.seen.map((s) => `${s.method} ${s.url}`)).toEqual([
      'GET /job/billing/18/consoleText',
      'POST /job/billing/build',
    ]);
    expect(fake.seen[1]?.auth).toBe(`Basic ${Buffer.from('medic:jenkins-api-token').toString('base64')}`);
    expect((await sendJenkins(url, null, note(20, 'COMPLETED', 'FAILURE'))).status).toBe(401);
    expect((await sendJenkins(url, 'jenkins-notify-secret', null, 'not json')).status).toBe(400);
    expect((await sendJenkins(url, 'jenkins-notify-secret', note(18, 'COMPLETED', 'FAILURE'))).status).toBe(
      409,
    );
  }, 60_000);
});
