/**
 * `ci_flaky_issue`: opens an issue for each failing test that failed and then passed on the same commit at
 * least `ci.flaky_issue.after` times, with its runs per commit. One open issue per test: the provider is asked
 * for an open issue of the same title first (another replica, an earlier failure), so none is opened twice.
 * Opens nothing unless `ci.flaky_issue.enabled` is on; an issue is never closed by a rollback.
 */
import { ActionError, errorMessage } from '../../core/index.js';
import { type FlakyTest, issueBody, issueTitle } from '../../sources/ci/index.js';
import type { RemediationAction } from './action.js';
import { ciClientOf, ciLabels, ciTargetParams, jsonLabel } from './ci-labels.js';
import type { ExtendedStep } from './steps.js';

export const ciFlakyIssueAction: RemediationAction<ExtendedStep> = {
  kind: 'ci-flaky-issue',
  plan(_step, service, _services, pctx) {
    const l = ciLabels(pctx?.vars);
    const params = ciTargetParams(l, 'ci_flaky_issue');
    if (params['provider'] === 'jenkins')
      throw new ActionError(
        'ci_flaky_issue: Jenkins has no issues; its failures reach people through the notifiers',
      );
    const settings = jsonLabel<{ after: number; labels: string[] } | null>(l, 'ci_flaky_issue', null);
    const after = settings?.after ?? 3;
    const tests = jsonLabel<FlakyTest[]>(l, 'ci_flaky', []);
    const due = tests.filter((t) => t.flakyCommits >= after);
    const most = [...tests].sort((a, b) => b.flakyCommits - a.flakyCommits)[0];
    const pipeline = l['ci_pipeline'] ?? params['repository'] ?? '';
    return {
      kind: 'ci-flaky-issue',
      target: service,
      params: {
        ...params,
        enabled: settings !== null,
        labels: settings?.labels ?? [],
        issues: due.map((t) => ({
          title: issueTitle(t.test),
          body: issueBody(t, pipeline, l['ci_url'] ?? ''),
        })),
        notYet: most
          ? `${most.test} flaked on ${most.flakyCommits} commits (ci.flaky_issue.after ${after})`
          : 'no failing test named',
      },
      description:
        due.length > 0
          ? `open issues for ${due.length} flaky tests of ${pipeline}: ${due.map((t) => t.test).join(', ')}`
          : `no issue: no failing test of ${pipeline} flaked on ${after} commits yet`,
    };
  },
  async apply(plan, ctx) {
    const p = plan.params as Record<string, unknown>;
    if (p['enabled'] !== true) return 'none opened: ci.flaky_issue.enabled is off';
    const issues = p['issues'] as { title: string; body: string }[];
    if (issues.length === 0) return `none opened: ${String(p['notYet'])}`;
    const { client, target } = ciClientOf(p, 'ci_flaky_issue');
    const done: string[] = [];
    for (const issue of issues) {
      try {
        const r = await client.openIssue(target, { ...issue, labels: p['labels'] as string[] }, ctx.signal);
        done.push(`${r.opened ? 'opened' : 'already open'}: ${r.url}`);
      } catch (err) {
        throw new ActionError(`ci_flaky_issue: ${issue.title}: ${errorMessage(err)}`, { cause: err });
      }
    }
    return done.join('; ');
  },
  async rollback() {
    return 'an issue stays open: a flaky test is worth fixing whatever this incident became';
  },
};
