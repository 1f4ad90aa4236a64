/** GitHub Actions through Octokit: jobs of a run attempt, a job's log (a redirect to storage), re-runs. */
import { Octokit } from '@octokit/rest';
import type { CiClient, CiTarget, ClientOptions, FailedJob } from './client.js';
import { tailLines } from './lines.js';

function split(repository: string): { owner: string; repo: string } {
  const [owner, repo] = repository.split('/');
  if (!owner || !repo) throw new Error(`a GitHub repository is owner/name, not "${repository}"`);
  return { owner, repo };
}

export function githubClient(o: ClientOptions): CiClient {
  const octokit = new Octokit({
    baseUrl: o.baseUrl.replace(/\/+$/, ''),
    ...(o.token && { auth: o.token }),
    userAgent: 'medic-ci',
    request: { timeout: o.timeoutMs ?? 30_000 },
    // Octokit logs failed requests through console by default; Medic reports them itself.
    log: { debug: () => {}, info: () => {}, warn: () => {}, error: () => {} },
  });
  return {
    async failedJobs(t: CiTarget): Promise<FailedJob[]> {
      const { owner, repo } = split(t.repository);
      const jobs = await octokit.paginate(octokit.rest.actions.listJobsForWorkflowRun, {
        owner,
        repo,
        run_id: Number(t.runId),
        filter: 'latest',
        per_page: 100,
      });
      return jobs
        .filter((j) => j.conclusion === 'failure' || j.conclusion === 'timed_out')
        .map((j) => ({
          id: String(j.id),
          name: j.name,
          failedStep: j.steps?.find((s) => s.conclusion === 'failure')?.name ?? null,
        }));
    },
    async jobLog(t, jobId, maxBytes) {
      const { owner, repo } = split(t.repository);
      if (!jobId) throw new Error('a GitHub job log needs the job id');
      // The API answers 302 to a short-lived storage URL; fetch follows it. The body is streamed, not parsed.
      const res = await octokit.rest.actions.downloadJobLogsForWorkflowRun({
        owner,
        repo,
        job_id: Number(jobId),
        request: { parseSuccessResponseBody: false },
      });
      const body = res.data as unknown as ReadableStream<Uint8Array> | string;
      return (await tailLines(body as AsyncIterable<Uint8Array> | string, maxBytes)).lines;
    },
    async rerun(t, scope, signal) {
      const { owner, repo } = split(t.repository);
      const params = { owner, repo, run_id: Number(t.runId), request: { signal } };
      const res =
        scope === 'all'
          ? await octokit.rest.actions.reRunWorkflow(params)
          : await octokit.rest.actions.reRunWorkflowFailedJobs(params);
      return `GitHub ${scope === 'all' ? 'rerun' : 'rerun-failed-jobs'} of run ${t.runId}: ${res.status}`;
    },
    async commentOnCommit(t, sha, body, signal) {
      const { owner, repo } = split(t.repository);
      const res = await octokit.rest.repos.createCommitComment({
        owner,
        repo,
        commit_sha: sha,
        body,
        request: { signal },
      });
      return res.data.html_url;
    },
    async openIssue(t, issue, signal) {
      const { owner, repo } = split(t.repository);
      const open = await octokit.paginate(octokit.rest.issues.listForRepo, {
        owner,
        repo,
        state: 'open',
        ...(issue.labels.length > 0 && { labels: issue.labels.join(',') }),
        per_page: 100,
        request: { signal },
      });
      const have = open.find((i) => i.title === issue.title && !i.pull_request);
      if (have) return { url: have.html_url, opened: false };
      const res = await octokit.rest.issues.create({
        owner,
        repo,
        title: issue.title,
        body: issue.body,
        labels: issue.labels,
        request: { signal },
      });
      return { url: res.data.html_url, opened: true };
    },
  };
}
