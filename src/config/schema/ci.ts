/**
 * `ci`: CI/CD pipelines Medic watches (GitHub Actions, GitLab CI, Jenkins). Each provider says where its API
 * is and which environment variables hold its webhook secret and API token (secrets never sit in medic.yaml);
 * each pipeline maps a repository, project or job, and the branches watched, to a service.
 */
import { z } from 'zod';
import { duration, name } from './common.js';

const envName = z
  .string()
  .regex(/^[A-Za-z_][A-Za-z0-9_]*$/, 'an environment variable name')
  .describe('the environment variable that holds the value (read when it is needed, never logged)');

export const ciGithubSchema = z
  .strictObject({
    api_url: z
      .url()
      .default('https://api.github.com')
      .describe('the REST API (GitHub Enterprise: https://HOST/api/v3)'),
    secret_env: envName.describe('the webhook secret: X-Hub-Signature-256 is checked against it'),
    token_env: envName
      .optional()
      .describe(
        'a token with actions:write (logs, re-runs); without it Medic classifies from the webhook alone',
      ),
  })
  .describe('GitHub Actions: workflow_run and workflow_job webhooks');

export const ciGitlabSchema = z
  .strictObject({
    url: z.url().default('https://gitlab.com').describe('the GitLab instance'),
    secret_env: envName.describe('the webhook secret token GitLab sends as X-Gitlab-Token'),
    token_env: envName.optional().describe('a token with the api scope (job logs, retries)'),
  })
  .describe('GitLab CI: pipeline and job webhooks');

export const ciJenkinsSchema = z
  .strictObject({
    url: z
      .url()
      .describe('the Jenkins root URL: logs and rebuilds go only there, never to a URL a payload names'),
    secret_env: envName.describe(
      'the shared token the Notification plugin endpoint carries (?token= or X-Jenkins-Token)',
    ),
    user_env: envName.optional().describe('the Jenkins user of the API token'),
    token_env: envName.optional().describe('the user API token (console text, rebuilds)'),
  })
  .describe('Jenkins: the Notification plugin JSON');

export const ciPipelineSchema = z
  .strictObject({
    provider: z.enum(['github', 'gitlab', 'jenkins']).describe('Which CI provider runs this pipeline.'),
    repository: z
      .string()
      .min(1)
      .describe('GitHub owner/name, GitLab project path (group/project), or the Jenkins job name'),
    branches: z.array(z.string().min(1)).default(['main']).describe('branches watched; `*` for any'),
    service: name.describe('the service whose incident a failure of this pipeline opens'),
  })
  .describe('one pipeline watched');

export const ciSchema = z
  .strictObject({
    github: ciGithubSchema
      .optional()
      .describe(
        'GitHub Actions: its API and the environment variables holding the webhook secret and token.',
      ),
    gitlab: ciGitlabSchema
      .optional()
      .describe('GitLab CI: its API and the environment variables holding the webhook token and API token.'),
    jenkins: ciJenkinsSchema
      .optional()
      .describe(
        'Jenkins: its URL and the environment variables holding the webhook secret and API credentials.',
      ),
    pipelines: z
      .record(name, ciPipelineSchema)
      .default({})
      .describe('pipelines by name; the check is ci:<name>'),
    reruns: z
      .strictObject({
        per_commit: z.number().int().min(0).default(2).describe('re-runs of one commit of a pipeline'),
        per_day: z.number().int().min(0).default(10).describe('re-runs of a pipeline in 24 hours'),
        backoff: duration
          .default(60_000)
          .describe('least time between two re-runs of a pipeline, doubled each time'),
      })
      .prefault({})
      .describe('caps on re-runs; past them the failure is escalated'),
    rate_limit: z
      .strictObject({
        max: z
          .number()
          .int()
          .min(1)
          .default(120)
          .describe('webhooks per window per provider and sender address'),
        window: duration
          .default(60_000)
          .describe('The window over which CI actions are counted for the rate limit.'),
      })
      .prefault({})
      .describe('flood limit of the CI receivers'),
    comment: z
      .strictObject({
        enabled: z
          .boolean()
          .default(false)
          .describe(
            'post the diagnosis and the failing lines on the failed commit (a playbook `ci_comment` step; GitHub shows it on the pull request too); off: the step posts nothing',
          ),
        max_lines: z.number().int().min(1).max(100).default(20).describe('failing lines quoted at most'),
      })
      .prefault({})
      .describe('comments on the failed commit (GitHub, GitLab)'),
    flaky_issue: z
      .strictObject({
        enabled: z
          .boolean()
          .default(false)
          .describe(
            'open an issue for a test that keeps flaking (a playbook `ci_flaky_issue` step); off: the step opens none',
          ),
        after: z
          .number()
          .int()
          .min(1)
          .default(3)
          .describe('commits on which a test failed and then passed before its issue is opened'),
        labels: z.array(z.string().min(1)).default(['flaky-test']).describe("the issue's labels"),
      })
      .prefault({})
      .describe('issues for flaky tests, with their history; one open issue per test'),
    log_max_bytes: z
      .number()
      .int()
      .min(1024)
      .default(8 * 1024 * 1024)
      .describe('the most of a job log read (its end is kept: failures are at the end)'),
  })
  .describe('CI/CD failure recovery: receivers, log classification and re-runs (docs/ci.md)');

export type CiConfig = z.output<typeof ciSchema>;
export type CiPipelineConfig = z.output<typeof ciPipelineSchema>;

/** What the ci section names elsewhere: each pipeline's service, and its provider's section. */
export function ciCrossIssues(c: {
  services: Record<string, unknown>;
  ci: CiConfig;
}): { path: (string | number)[]; message: string }[] {
  const out: { path: (string | number)[]; message: string }[] = [];
  for (const [n, p] of Object.entries(c.ci.pipelines)) {
    if (!c.services[p.service])
      out.push({ path: ['ci', 'pipelines', n, 'service'], message: `unknown service "${p.service}"` });
    if (!c.ci[p.provider])
      out.push({
        path: ['ci', 'pipelines', n, 'provider'],
        message: `no ci.${p.provider} section (its webhook secret and API)`,
      });
  }
  return out;
}

/**
 * `ci_rerun` step: re-runs the failed jobs of the pipeline run the finding names (its `ci_*` labels), through
 * the provider's API. The caps of `ci.reruns` hold before it is planned; `max_per_hour` is the action's own
 * brake per pipeline, whatever the finding says.
 */
export const ciRerunStep = z
  .strictObject({
    scope: z
      .enum(['failed', 'all'])
      .default('failed')
      .describe(
        'failed: only the failed jobs (GitHub rerun-failed-jobs, GitLab job retry); all: the whole run',
      ),
    max_per_hour: z.number().int().min(1).default(3).describe('re-runs of one pipeline per hour'),
  })
  .describe('re-run a failed CI pipeline run (docs/ci.md)');

/** `ci_comment` step: posts the finding's diagnosis and failing lines on the failed commit (`ci.comment`). */
export const ciCommentStep = z
  .strictObject({})
  .describe('comment on the failed commit with the diagnosis and the failing lines (docs/ci.md)');

/** `ci_flaky_issue` step: opens an issue for each failing test that flaked `ci.flaky_issue.after` times. */
export const ciFlakyIssueStep = z
  .strictObject({})
  .describe('open an issue for a test that flaked often, with its history (docs/ci.md)');
