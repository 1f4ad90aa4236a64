/**
 * What Medic asks of a CI provider's API: the failed jobs of a run, a job's log, and a re-run. One
 * implementation per provider (github-client.ts, gitlab-client.ts, jenkins-client.ts), each over the
 * provider's own client; `ciClient` picks one. Credentials are passed in, read from the environment by the
 * caller at the moment of use, and never logged.
 */
import type { CiProvider } from './types.js';

export interface CiTarget {
  provider: CiProvider;
  repository: string;
  projectId?: number;
  runId: string;
  jobId: string | null;
  branch: string | null;
}

export interface FailedJob {
  id: string;
  name: string;
  failedStep: string | null;
}

export interface CiClient {
  failedJobs(t: CiTarget): Promise<FailedJob[]>;
  /** The job's log lines (its end, at most `maxBytes`); for Jenkins the build's console. */
  jobLog(t: CiTarget, jobId: string | null, maxBytes: number): Promise<string[]>;
  /** Re-runs the failed jobs (or the whole run); returns what the provider answered, for the journal. */
  rerun(t: CiTarget, scope: 'failed' | 'all', signal?: AbortSignal): Promise<string>;
  /** Comments on a commit (GitHub shows it on the commit and its pull request); returns its link. */
  commentOnCommit(t: CiTarget, sha: string, body: string, signal?: AbortSignal): Promise<string>;
  /**
   * Opens an issue, unless an open one with the same title exists (another replica, an earlier failure):
   * returns its link and whether it was opened now.
   */
  openIssue(
    t: CiTarget,
    issue: { title: string; body: string; labels: string[] },
    signal?: AbortSignal,
  ): Promise<{ url: string; opened: boolean }>;
}

export interface ClientOptions {
  baseUrl: string;
  token?: string | undefined;
  user?: string | undefined;
  /** Per request. */
  timeoutMs?: number;
}
