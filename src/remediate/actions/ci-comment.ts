/**
 * `ci_comment`: comments on the failed commit with the diagnosis, its evidence and the failing lines (GitHub
 * commit comment, shown on its pull request too; GitLab commit note). The text is built at plan time from the
 * finding's labels, so the journal holds exactly what was posted; the lines were redacted by the CI stage.
 * Posts only when `ci.comment.enabled` is on; a comment is never taken back (it is the record of the failure).
 */
import { ActionError, errorMessage } from '../../core/index.js';
import { RERUN_CLASSES } from '../../diagnose/ci/causes.js';
import { commentBody } from '../../sources/ci/index.js';
import type { RemediationAction } from './action.js';
import { ciClientOf, ciLabels, ciTargetParams, jsonLabel } from './ci-labels.js';
import type { ExtendedStep } from './steps.js';

function rerunLine(cls: string, blocked: string): string {
  if (!(RERUN_CLASSES as readonly string[]).includes(cls))
    return `Not re-run: a ${cls} failure is not fixed by running it again.`;
  return blocked
    ? `No re-run: ${blocked}.`
    : 'A re-run of the failed jobs is under way if the playbook asks for one.';
}

export const ciCommentAction: RemediationAction<ExtendedStep> = {
  kind: 'ci-comment',
  plan(_step, service, _services, pctx) {
    const l = ciLabels(pctx?.vars);
    const params = ciTargetParams(l, 'ci_comment');
    if (params['provider'] === 'jenkins')
      throw new ActionError(
        'ci_comment: Jenkins has no commit comments; its failures reach people through the notifiers',
      );
    const commit = l['ci_commit'];
    if (!commit) throw new ActionError('ci_comment: the failure names no commit');
    const cls = l['ci_class'] ?? 'unclassified';
    const body = commentBody({
      workflow: l['ci_pipeline'] ?? params['repository'] ?? '',
      cls,
      confidence: l['ci_confidence'] ?? '?',
      step: l['ci_step'] ?? '',
      url: l['ci_url'] ?? '',
      evidence: jsonLabel<string[]>(l, 'ci_evidence', []),
      lines: jsonLabel<string[]>(l, 'ci_failing_lines', []),
      rerun: rerunLine(cls, l['ci_rerun_blocked'] ?? ''),
    });
    return {
      kind: 'ci-comment',
      target: service,
      params: { ...params, commit, body, enabled: l['ci_comment'] === 'on' },
      description: `comment on ${params['provider']} ${params['repository']} commit ${commit.slice(0, 12)} (${cls})`,
    };
  },
  async apply(plan, ctx) {
    const p = plan.params as Record<string, unknown>;
    if (p['enabled'] !== true) return 'not posted: ci.comment.enabled is off';
    const { client, target } = ciClientOf(p, 'ci_comment');
    try {
      const link = await client.commentOnCommit(target, String(p['commit']), String(p['body']), ctx.signal);
      return `commented on commit ${String(p['commit']).slice(0, 12)}: ${link}`;
    } catch (err) {
      throw new ActionError(`ci_comment: ${errorMessage(err)}`, { cause: err });
    }
  },
  async rollback() {
    return 'a comment stays: it is the record of what failed';
  },
};
