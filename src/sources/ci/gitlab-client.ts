/** GitLab CI through @gitbeaker/rest: failed jobs of a pipeline, a job's trace, pipeline retry. */
import { Gitlab } from '@gitbeaker/rest';
import type { CiClient, CiTarget, ClientOptions } from './client.js';
import { tailLines } from './lines.js';

export function gitlabClient(o: ClientOptions): CiClient {
  const api = new Gitlab({
    host: o.baseUrl.replace(/\/+$/, ''),
    token: o.token ?? '',
    queryTimeout: o.timeoutMs ?? 30_000,
  });
  const project = (t: CiTarget) => t.projectId ?? t.repository;
  return {
    async failedJobs(t) {
      const jobs = await api.Jobs.all(project(t), { pipelineId: Number(t.runId), scope: 'failed' });
      return jobs.map((j) => ({ id: String(j.id), name: j.name, failedStep: j.stage ?? null }));
    },
    async jobLog(t, jobId, maxBytes) {
      if (!jobId) throw new Error('a GitLab job log needs the job id');
      const trace = await api.Jobs.showLog(project(t), Number(jobId));
      return (await tailLines(String(trace), maxBytes)).lines;
    },
    async rerun(t, scope) {
      if (scope === 'all') {
        if (!t.branch) throw new Error('a new GitLab pipeline needs the branch');
        const p = await api.Pipelines.create(project(t), t.branch);
        return `GitLab pipeline ${p.id} created on ${t.branch}`;
      }
      // Retrying a pipeline retries its failed and cancelled jobs only.
      const p = await api.Pipelines.retry(project(t), Number(t.runId));
      return `GitLab pipeline ${t.runId} retried: ${String(p.status)}`;
    },
    async commentOnCommit(t, sha, body) {
      await api.Commits.createComment(project(t), sha, body);
      return `${o.baseUrl.replace(/\/+$/, '')}/${t.repository}/-/commit/${sha}`;
    },
    async openIssue(t, issue) {
      const open = await api.Issues.all({
        projectId: project(t),
        state: 'opened',
        search: issue.title,
        ...(issue.labels.length > 0 && { labels: issue.labels.join(',') }),
      });
      const have = open.find((i) => i.title === issue.title);
      if (have) return { url: String(have.web_url), opened: false };
      const made = await api.Issues.create(project(t), issue.title, {
        description: issue.body,
        labels: issue.labels.join(','),
      });
      return { url: String(made.web_url), opened: true };
    },
  };
}
