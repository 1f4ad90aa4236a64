/**
 * Classifies a failed CI job: infrastructure, flaky_test, dependency, code or config, with a confidence.
 * Rules first (signatures.ts, over the failing step's lines), history second (the tests' past results on
 * this pipeline, the templates' past re-run outcomes), as the service diagnosis does. A re-run class
 * (infrastructure, flaky_test) is given with a high confidence only on a machine signature or on history:
 * a wrong re-run wastes money, a missed one only waits for a human.
 */
import type { CiClass } from './causes.js';
import { kindOfFailure } from './kinds.js';
import {
  failingTests,
  GITLAB_INFRA_REASONS,
  HARD_TEST_FAILURE,
  SIGNATURES,
  type Signature,
} from './signatures.js';

export interface TestRun {
  test: string;
  commit: string;
  passed: boolean;
  at: number;
}

export interface TemplateOutcomes {
  /** Failures showing this template whose re-run passed, and whose re-run failed again. */
  rerunPassed: number;
  rerunFailed: number;
  /** The class the failures showing it were given. */
  cls: CiClass | null;
}

/** What the pipeline's history says, as the classifier reads it. */
export interface CiHistoryView {
  testRuns(test: string): readonly TestRun[];
  template(key: string): TemplateOutcomes | undefined;
}

export interface CiFailureInput {
  lines: readonly string[];
  templates: readonly { key: string; text: string; sample: string }[];
  commit: string | null;
  /** GitLab's failure_reason, when it gave one. */
  providerReason?: string | null;
  /** The failing step as the log names it (GitHub's command, GitLab's section, Jenkins' stage). */
  step?: string | null;
  at: number;
}

export interface CiVerdict {
  cls: CiClass;
  confidence: number;
  /** Why, in words a person reads in the incident. */
  evidence: string[];
  /** The lines that show the failure (at most 10). */
  failingLines: string[];
  tests: string[];
  /** The signature that decided, or `history`, or null. */
  signature: string | null;
  /** The failing tests' runs, this failure last: the `ci_flaky_test` rule reads them. */
  ciRuns: TestRun[];
}

interface Hit {
  sig: Signature;
  line: string;
  index: number;
}

const EMPTY: CiHistoryView = { testRuns: () => [], template: () => undefined };

function hits(lines: readonly string[]): Hit[] {
  const out: Hit[] = [];
  const seen = new Set<string>();
  lines.forEach((line, index) => {
    for (const sig of SIGNATURES) {
      if (seen.has(sig.id) || !sig.re.test(line)) continue;
      seen.add(sig.id);
      out.push({ sig, line: line.trim(), index });
    }
  });
  return out;
}

function best(hs: Hit[], cls: Signature['cls']): Hit | undefined {
  return hs.filter((h) => h.sig.cls === cls).sort((a, b) => b.sig.confidence - a.sig.confidence)[0];
}

const round = (x: number) => Math.round(Math.min(0.99, Math.max(0, x)) * 100) / 100;

export function classifyCiFailure(input: CiFailureInput, history: CiHistoryView = EMPTY): CiVerdict {
  const hs = hits(input.lines);
  const tests = failingTests(input.lines);
  const ciRuns = tests.flatMap((t) => [
    ...history.testRuns(t),
    ...(input.commit ? [{ test: t, commit: input.commit, passed: false, at: input.at }] : []),
  ]);
  const lineOf = (h: Hit | undefined) => (h ? [h.line.slice(0, 300)] : []);
  const verdict = (
    cls: CiClass,
    confidence: number,
    evidence: string[],
    sig: string | null,
    shown: string[],
  ) => ({
    cls,
    confidence: round(confidence),
    evidence,
    failingLines: shown.length > 0 ? shown : errorLines(input.lines),
    tests,
    signature: sig,
    ciRuns,
  });

  const reason = input.providerReason ?? null;
  if (reason && GITLAB_INFRA_REASONS.has(reason))
    return verdict('infrastructure', 0.96, [`GitLab's failure reason: ${reason}`], 'gitlab-reason', []);

  const infra = best(hs, 'infrastructure');
  const config = best(hs, 'config');
  const dep = best(hs, 'dependency');
  const code = best(hs, 'code');
  const testFail = best(hs, 'test_failure');
  const testTimeout = best(hs, 'test_timeout');
  const assertion = best(hs, 'test_assertion');
  const flakeReport = best(hs, 'flake_report');
  const network = hs.find((h) => h.sig.id === 'network' || h.sig.id === 'registry-rate');

  // The machine itself failed (runner lost, disk full, OOM, system cancel): nothing else in the log counts.
  if (infra?.sig.strong && infra.sig.id !== 'network')
    return verdict(
      'infrastructure',
      infra.sig.confidence,
      [`${infra.sig.id}: ${infra.line}`],
      infra.sig.id,
      lineOf(infra),
    );
  if (config)
    return verdict(
      'config',
      config.sig.confidence,
      [`${config.sig.id}: ${config.line}`],
      config.sig.id,
      lineOf(config),
    );
  if (network && !code && !testFail && !testTimeout) {
    // A registry that timed out while resolving is the network's fault, not the dependency's.
    const c = dep ? network.sig.confidence - 0.04 : network.sig.confidence;
    return verdict(
      'infrastructure',
      c,
      [`${network.sig.id}: ${network.line}`],
      network.sig.id,
      lineOf(network),
    );
  }
  if (dep)
    return verdict('dependency', dep.sig.confidence, [`${dep.sig.id}: ${dep.line}`], dep.sig.id, lineOf(dep));
  if (code && !testFail)
    return verdict('code', code.sig.confidence, [`${code.sig.id}: ${code.line}`], code.sig.id, lineOf(code));

  // The runner re-ran the failed test in this very job and it passed: a flake seen, not guessed, unless a test
  // also failed for good.
  if (flakeReport && !input.lines.some((l) => HARD_TEST_FAILURE.test(l.trim())))
    return verdict(
      'flaky_test',
      flakeReport.sig.confidence,
      [`the test runner re-ran a failed test and it passed: ${flakeReport.line}`],
      flakeReport.sig.id,
      [...lineOf(flakeReport), ...lineOf(assertion)],
    );

  if (testFail || testTimeout || assertion) {
    const shown = [...lineOf(assertion), ...lineOf(testFail), ...lineOf(testTimeout)];
    const judged = judgeTests(tests, input, history);
    if (judged) return verdict(judged.cls, judged.confidence, judged.evidence, 'history', shown);
    const learned = fromTemplates(input, history);
    if (learned) return verdict(learned.cls, learned.confidence, learned.evidence, 'history', shown);
    if (network)
      return verdict(
        'code',
        0.55,
        [`tests failed; the log also shows ${network.sig.id}: ${network.line}`],
        'test-fail',
        shown,
      );
    // A test that timed out, with no history, is no flake yet: a hang is as often the code's (a deadlock, a
    // loop) as the machine's, and calling a real bug flaky tells people to ignore it.
    if (testTimeout && !assertion)
      return verdict(
        'code',
        0.55,
        [`a test timed out (no history of it flaking yet): ${testTimeout.line}`],
        'test-timeout',
        shown,
      );
    return verdict(
      'code',
      0.7,
      [`tests failed${tests.length ? `: ${tests.slice(0, 3).join(', ')}` : ''}`],
      'test-fail',
      shown,
    );
  }
  const learned = fromTemplates(input, history);
  if (learned) return verdict(learned.cls, learned.confidence, learned.evidence, 'history', []);
  // No tool's signature: the kind of words the failing step ends with.
  const kind = kindOfFailure(input.lines, input.step ?? null);
  if (kind)
    return verdict(
      kind.cls,
      kind.confidence,
      [kind.evidence],
      `kind:${kind.cls}`,
      kind.line ? [kind.line] : [],
    );
  return verdict('code', 0.3, ['no known signature in the failing step'], null, []);
}

/** What the failing tests' history says: a pass on this very commit, a record of flakes, or a run of failures. */
function judgeTests(
  tests: readonly string[],
  input: CiFailureInput,
  history: CiHistoryView,
): { cls: CiClass; confidence: number; evidence: string[] } | null {
  let flaky: { confidence: number; evidence: string[] } | null = null;
  let consistent: string | null = null;
  for (const t of tests) {
    const runs = history.testRuns(t);
    if (input.commit && runs.some((r) => r.commit === input.commit && r.passed)) {
      return {
        cls: 'flaky_test',
        confidence: 0.93,
        evidence: [`${t} passed on this commit (${input.commit.slice(0, 12)}) before`],
      };
    }
    // Commits on which it both failed and passed: each is a flake seen.
    const commits = new Set(runs.map((r) => r.commit));
    const flakes = [...commits].filter(
      (c) => runs.some((r) => r.commit === c && r.passed) && runs.some((r) => r.commit === c && !r.passed),
    ).length;
    if (flakes > 0) {
      const c = Math.min(0.95, 0.86 + 0.03 * (flakes - 1));
      if (!flaky || c > flaky.confidence)
        flaky = { confidence: c, evidence: [`${t} flaked on ${flakes} earlier commit(s)`] };
    }
    // Failing on every run of the last two commits or more, never passing since: the code broke it.
    const recent = runs.slice(-4);
    const failedCommits = new Set(recent.filter((r) => !r.passed).map((r) => r.commit));
    if (input.commit) failedCommits.add(input.commit);
    if (recent.length > 0 && recent.every((r) => !r.passed) && failedCommits.size >= 2) consistent = t;
  }
  if (flaky) return { cls: 'flaky_test', ...flaky };
  if (consistent)
    return {
      cls: 'code',
      confidence: 0.9,
      evidence: [`${consistent} has failed on every run since it first failed`],
    };
  return null;
}

/** Templates whose failures were fixed by a re-run again and again, and never failed one. */
function fromTemplates(
  input: CiFailureInput,
  history: CiHistoryView,
): { cls: CiClass; confidence: number; evidence: string[] } | null {
  let out: { cls: CiClass; confidence: number; evidence: string[] } | null = null;
  for (const t of input.templates) {
    const o = history.template(t.key);
    if (!o || o.rerunFailed > 0 || o.rerunPassed < 2) continue;
    const cls: CiClass = o.cls === 'infrastructure' ? 'infrastructure' : 'flaky_test';
    const confidence = Math.min(0.94, 0.84 + 0.025 * o.rerunPassed);
    if (!out || confidence > out.confidence)
      out = {
        cls,
        confidence,
        evidence: [
          `"${t.text.slice(0, 120)}" was fixed by a re-run ${o.rerunPassed} times, never failed one`,
        ],
      };
  }
  return out;
}

/** Lines that look like errors, when no signature named one. */
function errorLines(lines: readonly string[]): string[] {
  return lines
    .filter((l) => /\b(error|fail(ed|ure)?|fatal|exception)\b/i.test(l))
    .slice(0, 10)
    .map((l) => l.trim().slice(0, 300));
}
