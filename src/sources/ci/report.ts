/**
 * What Medic writes where the team works: a comment on the failed commit (the verdict, its evidence and the
 * failing lines) and an issue for a test that keeps flaking (its runs per commit). Plain Markdown, which
 * GitHub and GitLab both render; built here from the finding's labels, so the actions only post.
 */
import type { TestRun } from '../../diagnose/ci/index.js';

export interface FlakyTest {
  test: string;
  /** Commits on which the test failed and also passed. */
  flakyCommits: number;
  /** Its latest runs, oldest first. */
  runs: TestRun[];
}

const RUNS_SHOWN = 15;

/** Each test's runs grouped: how many commits saw it fail and pass. */
export function flakyHistory(runs: readonly TestRun[]): FlakyTest[] {
  const byTest = new Map<string, TestRun[]>();
  for (const r of runs) byTest.set(r.test, [...(byTest.get(r.test) ?? []), r]);
  return [...byTest].map(([test, list]) => {
    const failed = new Set(list.filter((r) => !r.passed).map((r) => r.commit));
    const passed = new Set(list.filter((r) => r.passed).map((r) => r.commit));
    return {
      test,
      flakyCommits: [...failed].filter((c) => passed.has(c)).length,
      runs: list.slice(-RUNS_SHOWN),
    };
  });
}

/** A fence that no line of the quoted text can close. */
function fence(lines: readonly string[]): string {
  let f = '```';
  while (lines.some((l) => l.includes(f))) f += '`';
  return f;
}

export interface CommentInput {
  workflow: string;
  cls: string;
  confidence: string;
  step: string;
  url: string;
  evidence: string[];
  lines: string[];
  rerun: string;
}

export function commentBody(c: CommentInput): string {
  const f = fence(c.lines);
  return [
    `**Medic**: ${c.workflow} failed${c.step ? ` in \`${c.step.replaceAll('`', "'")}\`` : ''}: **${c.cls}** (confidence ${c.confidence}).`,
    '',
    ...c.evidence.map((e) => `- ${e}`),
    ...(c.lines.length > 0 ? ['', 'Failing lines:', f, ...c.lines, f] : []),
    '',
    c.rerun,
    ...(c.url ? [`[The run](${c.url})`] : []),
  ].join('\n');
}

export const issueTitle = (test: string) => `Flaky test: ${test}`;

export function issueBody(t: FlakyTest, pipeline: string, url: string): string {
  const day = (at: number) => new Date(at).toISOString().slice(0, 16).replace('T', ' ');
  return [
    `\`${t.test.replaceAll('`', "'")}\` failed and then passed on the same commit ${t.flakyCommits} times in pipeline **${pipeline}**: its failures are not the code's. Medic re-runs it when it fails; fix or quarantine it so nobody waits for the re-run.`,
    '',
    '| when (UTC) | commit | result |',
    '|---|---|---|',
    ...t.runs.map(
      (r) => `| ${day(r.at)} | \`${r.commit.slice(0, 12)}\` | ${r.passed ? 'passed' : 'failed'} |`,
    ),
    ...(url ? ['', `[The latest failure](${url})`] : []),
  ].join('\n');
}
