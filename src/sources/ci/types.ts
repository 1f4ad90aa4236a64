/**
 * A CI event as Medic reads it, whatever the provider: one pipeline run (or one of its jobs) that finished,
 * with what is needed to fetch its log and re-run it. Providers' payloads are mapped to this in their own
 * files; nothing past the receiver sees a provider's payload.
 */
export type CiProvider = 'github' | 'gitlab' | 'jenkins';

export type CiConclusion = 'success' | 'failure' | 'cancelled' | 'running' | 'other';

export interface CiEvent {
  provider: CiProvider;
  /** The provider's delivery id (GitHub X-GitHub-Delivery, GitLab's event UUID), or one made of the body. */
  delivery: string;
  /** GitHub owner/name, GitLab project path, Jenkins job name. */
  repository: string;
  /** GitLab's numeric project id (its API takes either). */
  projectId?: number;
  branch: string | null;
  commit: string | null;
  /** The workflow or pipeline name people read. */
  workflow: string;
  /** GitHub run id, GitLab pipeline id, Jenkins build number. */
  runId: string;
  /** GitHub job id, GitLab job (build) id; null for a whole-run event. */
  jobId: string | null;
  jobName: string | null;
  /** GitHub's run_attempt; 1 for the others. */
  attempt: number;
  conclusion: CiConclusion;
  /** The failed step's name when the payload says (GitHub workflow_job steps, GitLab's failure_reason). */
  failedStep: string | null;
  /** The provider's own reason when it gives one (GitLab failure_reason: runner_system_failure…). */
  providerReason: string | null;
  /** A link for people (the run's page). */
  url: string | null;
  /** The event's time. */
  at: number;
}

/** A receiver's verdict on one request: the events it carries, or why it is refused. */
export type Received =
  | { ok: true; events: CiEvent[]; ignored?: string }
  | { ok: false; status: 400 | 401 | 403 | 422; reason: string };
