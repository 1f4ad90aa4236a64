/**
 * A local GitHub for the CI drill: an HTTP server answering the REST endpoints Medic's Octokit client calls
 * (a job's logs as a 302 to storage, a run's jobs, rerun-failed-jobs), with GitHub's documented shapes, and a
 * sender of GitHub's signed `workflow_job` and `workflow_run` webhooks. It plays the runner too: a re-run
 * request runs the failed job again, and the new attempt's result arrives as GitHub would send it.
 */
import { randomUUID } from 'node:crypto';
import { createServer, type IncomingMessage, type ServerResponse } from 'node:http';
import { githubWebhookHeaders, workflowJobPayload, workflowRunPayload } from './ci-github-wire.js';

export interface DrillJob {
  runId: number;
  jobId: number;
  sha: string;
  /** The job's log as GitHub serves it (timestamped lines). */
  log: string;
  failedStep: string;
  /** What a re-run of the failed job concludes: a flake passes the second time, a bug fails again. */
  rerunPasses: boolean;
}

interface RunState extends DrillJob {
  attempt: number;
  conclusion: 'failure' | 'success' | 'in_progress';
}

export interface LocalGithub {
  url: string;
  repository: string;
  /** Every API request, as `METHOD /path`. */
  calls: string[];
  /** Runs whose failed jobs were re-run, one entry per request. */
  reruns: number[];
  /** When the last re-run was asked for (ms), or null. */
  lastRerunAt(): number | null;
  /** Webhooks Medic refused (status and body): the drill fails on any. */
  refused: string[];
  /** The run's latest conclusion, as GitHub shows it. */
  conclusion(runId: number): string | undefined;
  /** Where webhooks go (Medic's API root). */
  deliverTo(url: string): void;
  /** A job fails: GitHub sends `workflow_job` then `workflow_run`, both completed with failure. */
  fail(job: DrillJob): Promise<void>;
  close(): Promise<void>;
}

export async function startLocalGithub(repository: string, secret: string): Promise<LocalGithub> {
  const runs = new Map<number, RunState>();
  const calls: string[] = [];
  const reruns: number[] = [];
  let lastRerun: number | null = null;
  const refused: string[] = [];
  const timers = new Set<NodeJS.Timeout>();
  let medic = '';
  const repo = `/repos/${repository}`;

  const send = async (event: string, payload: unknown): Promise<void> => {
    const body = JSON.stringify(payload);
    const res = await fetch(`${medic}/api/ingest/ci/github`, {
      method: 'POST',
      headers: githubWebhookHeaders(secret, event, randomUUID(), body),
      body,
    });
    const text = await res.text();
    if (res.status !== 202) refused.push(`${event}: ${res.status} ${text.slice(0, 200)}`);
  };

  const completed = async (r: RunState) => {
    const conclusion = r.conclusion === 'success' ? 'success' : 'failure';
    await send('workflow_job', workflowJob(repository, r, conclusion));
    await send('workflow_run', workflowRun(repository, r, conclusion));
  };

  const handler = (req: IncomingMessage, res: ServerResponse, url: URL): boolean => {
    const host = `http://${req.headers.host}`;
    let m = new RegExp(`^${repo}/actions/jobs/(\\d+)/logs$`).exec(url.pathname);
    if (req.method === 'GET' && m) {
      res.writeHead(302, { location: `${host}/blob/job-logs/${m[1]}.txt?sig=drill` });
      res.end();
      return true;
    }
    m = /^\/blob\/job-logs\/(\d+)\.txt$/.exec(url.pathname);
    if (req.method === 'GET' && m) {
      const run = [...runs.values()].find((r) => String(r.jobId) === m?.[1]);
      if (!run) return false;
      res.writeHead(200, { 'content-type': 'text/plain' });
      res.end(run.log);
      return true;
    }
    m = new RegExp(`^${repo}/actions/runs/(\\d+)/jobs$`).exec(url.pathname);
    if (req.method === 'GET' && m) {
      const run = runs.get(Number(m[1]));
      if (!run) return false;
      json(res, 200, { total_count: 1, jobs: [workflowJob(repository, run, run.conclusion).workflow_job] });
      return true;
    }
    m = new RegExp(`^${repo}/actions/runs/(\\d+)/rerun-failed-jobs$`).exec(url.pathname);
    if (req.method === 'POST' && m) {
      const run = runs.get(Number(m[1]));
      if (!run) return false;
      if (run.conclusion !== 'failure') {
        json(res, 403, { message: 'This workflow run is not completed or has no failed jobs' });
        return true;
      }
      reruns.push(run.runId);
      lastRerun = Date.now();
      run.attempt++;
      run.conclusion = 'in_progress';
      json(res, 201, {});
      // The runner picks the job up and finishes it a moment later.
      const t = setTimeout(() => {
        timers.delete(t);
        run.conclusion = run.rerunPasses ? 'success' : 'failure';
        void completed(run).catch((err) => refused.push(`re-run result not delivered: ${String(err)}`));
      }, 150);
      timers.add(t);
      return true;
    }
    return false;
  };

  const server = createServer((req, res) => {
    const url = new URL(req.url ?? '/', 'http://x');
    calls.push(`${req.method} ${url.pathname}`);
    req.resume();
    req.on('end', () => {
      if (!handler(req, res, url)) json(res, 404, { message: 'Not Found' });
    });
  });
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
  const port = (server.address() as { port: number }).port;

  return {
    url: `http://127.0.0.1:${port}`,
    repository,
    calls,
    reruns,
    lastRerunAt: () => lastRerun,
    refused,
    conclusion: (runId) => runs.get(runId)?.conclusion,
    deliverTo(url) {
      medic = url;
    },
    async fail(job) {
      const run: RunState = { ...job, attempt: 1, conclusion: 'failure' };
      runs.set(job.runId, run);
      await completed(run);
    },
    close: () =>
      new Promise((r) => {
        for (const t of timers) clearTimeout(t);
        server.close(() => r());
      }),
  };
}

function json(res: ServerResponse, status: number, body: unknown): void {
  res.writeHead(status, { 'content-type': 'application/json; charset=utf-8' });
  res.end(JSON.stringify(body));
}

/** `workflow_job` completed; a re-run's job has a new id. */
function workflowJob(repository: string, r: RunState, conclusion: string) {
  return workflowJobPayload({
    repository,
    id: r.jobId + (r.attempt - 1),
    runId: r.runId,
    attempt: r.attempt,
    conclusion,
    sha: r.sha,
    failedStep: r.failedStep,
    sender: 'medic-drill',
  });
}

function workflowRun(repository: string, r: RunState, conclusion: string) {
  return workflowRunPayload({
    repository,
    runId: r.runId,
    attempt: r.attempt,
    conclusion,
    sha: r.sha,
    sender: 'medic-drill',
  });
}
