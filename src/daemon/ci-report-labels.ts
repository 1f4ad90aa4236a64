/**
 * The labels a CI finding carries for the `ci_comment` and `ci_flaky_issue` steps: the verdict in words, the
 * failing lines (redacted: they leave the process), each failing test's history, and the ci section's
 * settings of both steps. Labels are strings: lists travel as JSON.
 */
import type { CiConfig } from '../config/index.js';
import { type CiVerdict, redactForPrompt } from '../diagnose/index.js';
import { flakyHistory } from '../sources/ci/index.js';

export function reportLabels(
  ci: CiConfig,
  v: CiVerdict,
  step: string | null,
  url: string | null,
): Record<string, string> {
  const lines = v.failingLines
    .slice(0, ci.comment.max_lines)
    .map((l) => redactForPrompt(l, { emails: true }));
  return {
    ci_confidence: String(v.confidence),
    ci_step: step ?? '',
    ci_url: url ?? '',
    ci_evidence: JSON.stringify(v.evidence.slice(0, 5).map((l) => redactForPrompt(l))),
    ci_failing_lines: JSON.stringify(lines),
    ci_flaky: JSON.stringify(flakyHistory(v.ciRuns)),
    ci_comment: ci.comment.enabled ? 'on' : '',
    ci_flaky_issue: ci.flaky_issue.enabled
      ? JSON.stringify({ after: ci.flaky_issue.after, labels: ci.flaky_issue.labels })
      : '',
  };
}
