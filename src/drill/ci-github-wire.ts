/**
 * GitHub's side of the wire, as GitHub sends it: the `workflow_job` and `workflow_run` webhook payloads (their
 * documented shapes, trimmed) and a delivery's headers with its X-Hub-Signature-256. Shared by the CI drill's
 * local GitHub and the tests' provider fakes, so both speak one GitHub.
 */
import { githubSignature } from '../sources/ci/index.js';

/** The times GitHub's documentation shows; a drill's events need only be in order, not now. */
const CREATED = '2026-03-02T09:13:58Z';
const STARTED = '2026-03-02T09:14:00Z';
const COMPLETED = '2026-03-02T09:16:03Z';

const repositoryOf = (full: string) => ({
  id: 1296269,
  node_id: 'MDEwOlJlcG9zaXRvcnkxMjk2MjY5',
  name: full.split('/')[1] ?? full,
  full_name: full,
  private: true,
});

export interface JobPayloadOptions {
  /** owner/name */
  repository: string;
  id: number;
  runId: number;
  attempt: number;
  conclusion: string;
  sha: string;
  failedStep?: string;
  workflow?: string;
  sender?: string;
}

/** `workflow_job` completed: one job of a run, its steps (the last one concluding as the job did). */
export function workflowJobPayload(o: JobPayloadOptions) {
  const runUrl = `https://api.github.com/repos/${o.repository}/actions/runs/${o.runId}`;
  return {
    action: 'completed',
    workflow_job: {
      id: o.id,
      run_id: o.runId,
      workflow_name: o.workflow ?? 'CI',
      head_branch: 'main',
      run_url: runUrl,
      run_attempt: o.attempt,
      node_id: 'CR_kwDOABCD',
      head_sha: o.sha,
      url: `https://api.github.com/repos/${o.repository}/actions/jobs/${o.id}`,
      html_url: `https://github.com/${o.repository}/actions/runs/${o.runId}/job/${o.id}`,
      status: 'completed',
      conclusion: o.conclusion,
      created_at: CREATED,
      started_at: STARTED,
      completed_at: COMPLETED,
      name: 'test',
      steps: [
        { name: 'Set up job', status: 'completed', conclusion: 'success', number: 1 },
        { name: 'Run actions/checkout@v4', status: 'completed', conclusion: 'success', number: 2 },
        { name: o.failedStep ?? 'Test', status: 'completed', conclusion: o.conclusion, number: 3 },
      ],
      labels: ['ubuntu-latest'],
      runner_id: 7,
      runner_name: 'GitHub Actions 7',
      runner_group_id: 2,
      runner_group_name: 'GitHub Actions',
    },
    repository: repositoryOf(o.repository),
    sender: { login: o.sender ?? 'octocat', id: 1, type: 'User' },
  };
}

/** `workflow_run` completed: the run as a whole (of the workflow `CI` unless named). */
export function workflowRunPayload(o: Omit<JobPayloadOptions, 'id' | 'failedStep'>) {
  const workflow = o.workflow ?? 'CI';
  return {
    action: 'completed',
    workflow_run: {
      id: o.runId,
      name: workflow,
      node_id: 'WFR_kwLOABCD',
      head_branch: 'main',
      head_sha: o.sha,
      path: '.github/workflows/ci.yml',
      run_number: 562,
      event: 'push',
      status: 'completed',
      conclusion: o.conclusion,
      workflow_id: 159038,
      url: `https://api.github.com/repos/${o.repository}/actions/runs/${o.runId}`,
      html_url: `https://github.com/${o.repository}/actions/runs/${o.runId}`,
      run_attempt: o.attempt,
      created_at: CREATED,
      updated_at: COMPLETED,
    },
    workflow: { id: 159038, name: workflow, path: '.github/workflows/ci.yml', state: 'active' },
    repository: repositoryOf(o.repository),
    sender: { login: o.sender ?? 'octocat', id: 1, type: 'User' },
  };
}

/** A delivery's headers as GitHub sends them; `signature` overrides the one computed (a bad or empty one). */
export function githubWebhookHeaders(
  secret: string,
  event: string,
  delivery: string,
  body: string,
  signature?: string,
): Record<string, string> {
  return {
    'content-type': 'application/json',
    'user-agent': 'GitHub-Hookshot/8c5d4ea',
    'x-github-event': event,
    'x-github-delivery': delivery,
    'x-github-hook-id': '292430182',
    'x-hub-signature-256': signature ?? githubSignature(secret, Buffer.from(body, 'utf8')),
  };
}
