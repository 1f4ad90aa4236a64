import type { CiConfig, CiPipelineConfig } from '../config/index.js';
import { type Finding, newId } from '../core/index.js';
import { RERUN_CLASSES } from '../diagnose/index.js';
import type { CiEvent } from '../sources/ci/index.js';
import type { CiJudgement } from './ci-judge.js';
import { reportLabels } from './ci-report-labels.js';
import { runKeyOf } from './ci-run-keys.js';

/**
 * A failed run of pipeline `name` as a finding of its service's `ci:<name>` check (down): the verdict as
 * evidence, and as labels what the `ci_rerun`, `ci_comment` and `ci_flaky_issue` steps need. `blocked` is
 * why no re-run may happen now, or null.
 */
export function ciFinding(
  ci: CiConfig,
  name: string,
  p: CiPipelineConfig,
  e: CiEvent,
  judged: Pick<CiJudgement, 'verdict' | 'step' | 'notes'>,
  blocked: string | null,
  at: number,
): Finding {
  const v = judged.verdict;
  const where = e.branch ? ` on ${e.branch}` : '';
  const first = v.failingLines[0];
  const provider = ci[e.provider];
  const api = provider ? ('api_url' in provider ? provider.api_url : provider.url) : '';
  const labels: Record<string, string> = {
    ci_provider: e.provider,
    ci_pipeline: name,
    ci_repository: e.repository,
    ci_run: e.runId,
    ci_run_key: runKeyOf(e),
    ci_job: e.jobId ?? '',
    ci_branch: e.branch ?? '',
    ci_commit: e.commit ?? '',
    ci_class: v.cls,
    ci_api: api,
    // Names of the environment variables, never their values.
    ci_token_env: provider?.token_env ?? '',
    ci_user_env: provider && 'user_env' in provider ? (provider.user_env ?? '') : '',
    ci_project_id: e.projectId !== undefined ? String(e.projectId) : '',
    ci_rerun_blocked: blocked ?? '',
    // What ci_comment and ci_flaky_issue post (redacted here, before anything leaves the process), and whether
    // the ci section turned them on.
    ...reportLabels(ci, v, judged.step, e.url),
  };
  return {
    id: newId('fnd'),
    service: p.service,
    check: `ci:${name}`,
    kind: 'down',
    severity: RERUN_CLASSES.includes(v.cls) ? 'warning' : 'critical',
    score: v.confidence,
    summary: `${e.workflow}${where} failed: ${v.cls} (confidence ${v.confidence})${first ? `: ${first}` : ''}`,
    evidence: {
      ci: {
        cls: v.cls,
        confidence: v.confidence,
        evidence: [...v.evidence, ...(blocked ? [`no re-run: ${blocked}`] : []), ...judged.notes],
        failingLines: v.failingLines,
        ciRuns: v.ciRuns,
        tests: v.tests,
        step: judged.step,
        signature: v.signature,
        url: e.url,
        run: e.runId,
        attempt: e.attempt,
      },
      labels,
    },
    at,
  };
}
