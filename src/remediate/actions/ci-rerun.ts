/**
 * `ci_rerun`: re-runs the failed jobs of the CI run a finding names, through the provider's API (GitHub
 * rerun-failed-jobs, GitLab pipeline retry, a new Jenkins build). What to re-run comes from the finding's
 * `ci_*` labels, which the CI stage sets; the API token is read from the environment variable they name, at
 * apply time only. The plan refuses a class a re-run cannot fix (code, config, dependency) and a re-run the
 * caps of `ci.reruns` forbid, so the engine escalates instead; apply holds its own brake per pipeline.
 */

import { ciRerunStep } from '../../config/index.js';
import { ActionError, errorMessage } from '../../core/index.js';
import { RERUN_CLASSES } from '../../diagnose/ci/causes.js';
import type { RemediationAction } from './action.js';
import { ciClientOf, ciLabels, ciTargetParams } from './ci-labels.js';
import { type ExtendedStep, parseStep } from './steps.js';

const HOUR = 3_600_000;
/** Re-runs applied per pipeline (provider, repository, pipeline): timestamps of the last hour. */
const applied = new Map<string, number[]>();

export const ciRerunAction: RemediationAction<ExtendedStep> = {
  kind: 'ci-rerun',
  plan(step, service, _services, pctx) {
    const s = parseStep(ciRerunStep, step.ci_rerun, 'ci_rerun');
    const l = ciLabels(pctx?.vars);
    const target = ciTargetParams(l, 'ci_rerun');
    const cls = l['ci_class'] ?? '';
    if (!(RERUN_CLASSES as readonly string[]).includes(cls))
      throw new ActionError(
        `ci_rerun: a ${cls || 'unclassified'} failure is never re-run; a human must fix it`,
      );
    if (l['ci_rerun_blocked']) throw new ActionError(`ci_rerun: ${l['ci_rerun_blocked']}`);
    return {
      kind: 'ci-rerun',
      target: service,
      params: {
        ...target,
        job: l['ci_job'] ?? '',
        pipeline: l['ci_pipeline'] ?? l['ci_repository'] ?? '',
        runKey: l['ci_run_key'] ?? '',
        scope: s.scope,
        maxPerHour: s.max_per_hour,
      },
      description: `re-run ${s.scope === 'all' ? 'all jobs' : 'the failed jobs'} of ${target['provider']} ${target['repository']} run ${target['run']} (${cls})`,
    };
  },
  async apply(plan, ctx) {
    const p = plan.params as Record<string, string | number>;
    const now = ctx.clock?.now() ?? Date.now();
    const key = `${p['provider']}:${p['repository']}:${p['pipeline']}`;
    const recent = (applied.get(key) ?? []).filter((t) => now - t < HOUR);
    if (recent.length >= Number(p['maxPerHour']))
      throw new ActionError(
        `ci_rerun: ${recent.length} re-runs of ${p['pipeline']} in the last hour (max_per_hour)`,
      );
    const { client, target } = ciClientOf(p, 'ci_rerun');
    recent.push(now);
    applied.set(key, recent);
    try {
      return await client.rerun(target, p['scope'] === 'all' ? 'all' : 'failed', ctx.signal);
    } catch (err) {
      throw new ActionError(`ci_rerun: ${errorMessage(err)}`, { cause: err });
    }
  },
  async rollback() {
    return 'a re-run cannot be undone (it is left to finish)';
  },
};
