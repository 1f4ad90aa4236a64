import type { CiEvent, CiTarget } from '../sources/ci/index.js';

/** What the result of a re-run comes back under: GitHub and GitLab re-run in place, Jenkins builds anew. */
export function runKeyOf(e: CiEvent): string {
  return e.provider === 'jenkins' ? `job:${e.repository}` : `run:${e.runId}`;
}

/** One failure: a GitHub run attempt, a GitLab pipeline's failed job, a Jenkins build. */
export function handledKey(e: CiEvent): string {
  if (e.provider === 'github') return `${e.runId}:${e.attempt}`;
  if (e.provider === 'gitlab') return `${e.runId}:${e.jobId ?? ''}`;
  return e.runId;
}

/** The run an event names, as the provider's API client addresses it. */
export function targetOf(e: CiEvent): CiTarget {
  return {
    provider: e.provider,
    repository: e.repository,
    ...(e.projectId !== undefined && { projectId: e.projectId }),
    runId: e.runId,
    jobId: e.jobId,
    branch: e.branch,
  };
}
