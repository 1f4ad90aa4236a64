/**
 * Signatures of CI failures: one regex per kind of line, the class it points to and how sure it is alone.
 * Written from the tools' own messages (GitHub's runner, GitLab Runner, Jenkins remoting, npm, pip, go,
 * Maven, Gradle, Docker BuildKit, jest/vitest, pytest, go test, JUnit/Surefire). `strong` signatures
 * describe the machine, not the code: they hold whatever else the log shows.
 */
import type { CiClass } from './causes.js';

export interface Signature {
  id: string;
  cls: CiClass | 'test_failure' | 'test_timeout' | 'test_assertion' | 'flake_report';
  re: RegExp;
  confidence: number;
  /** Says what happened to the machine itself: not outweighed by a test failure in the same log. */
  strong?: boolean;
}

export const SIGNATURES: readonly Signature[] = [
  // The runner or agent itself went away, ran out of room, or was stopped by the system.
  {
    id: 'runner-shutdown',
    cls: 'infrastructure',
    re: /runner has received a shutdown signal|lost communication with the server|The hosted runner: .* lost communication|runner .* did not respond|Runner .* is offline/i,
    confidence: 0.97,
    strong: true,
  },
  {
    id: 'runner-system',
    cls: 'infrastructure',
    re: /ERROR: Job failed \(system failure\)|ERROR: Preparation failed|runner_system_failure|stuck_or_timeout_failure|scheduler_failure/i,
    confidence: 0.96,
    strong: true,
  },
  {
    id: 'agent-offline',
    cls: 'infrastructure',
    re: /ChannelClosedException|ClosedChannelException|Agent went offline|RemovedNodeListener|Cannot contact .*: java\.|FATAL: command execution failed|RequestAbortedException|Backing channel '.*' is disconnected|Pod just failed \(Reason: Evicted|The node was low on resource/,
    confidence: 0.95,
    strong: true,
  },
  {
    id: 'disk-full',
    cls: 'infrastructure',
    re: /No space left on device|ENOSPC|disk quota exceeded|System\.IO\.IOException: No space/i,
    confidence: 0.95,
    strong: true,
  },
  {
    id: 'oom-killed',
    cls: 'infrastructure',
    re: /OOMKilled|exit (code|status):? 137\b|signal: killed|Killed\s+\S*\s*\(core dumped\)|The runner .* ran out of memory|Out of memory: Killed process/i,
    confidence: 0.9,
    strong: true,
  },
  {
    id: 'system-cancel',
    cls: 'infrastructure',
    re: /The operation was canceled\.?$|has exceeded the maximum execution time|job exceeded the timeout|ERROR: Job failed: execution took longer than/i,
    confidence: 0.88,
    strong: true,
  },
  {
    id: 'docker-daemon',
    cls: 'infrastructure',
    re: /Cannot connect to the Docker daemon|error during connect: .*docker|docker: Error response from daemon: .*(timeout|i\/o)/i,
    confidence: 0.93,
    strong: true,
  },
  // Something the job reached over the network did not answer: a registry, a mirror, an API.
  {
    id: 'registry-rate',
    cls: 'infrastructure',
    re: /toomanyrequests|pull rate limit|API rate limit exceeded|secondary rate limit|429 Too Many Requests/i,
    confidence: 0.93,
    strong: true,
  },
  {
    id: 'network',
    cls: 'infrastructure',
    re: /\b(ETIMEDOUT|ECONNRESET|EAI_AGAIN|ENETUNREACH|EHOSTUNREACH|ESOCKETTIMEDOUT)\b|Could not resolve host|Temporary failure in name resolution|TLS handshake timeout|i\/o timeout|Connection reset by peer|Connection timed out|Read timed out|ReadTimeoutError|(502 Bad Gateway|503 Service Unavailable|504 Gateway Time-?out)|net\/http: request canceled|unexpected EOF while reading|RPC failed; curl \d+|early EOF|The requested URL returned error: 5\d\d|Could not transfer artifact .* (timed out|Connection reset|503|502)/i,
    confidence: 0.92,
    strong: true,
  },
  // Resolution or installation of a dependency failed (a version that does not exist, conflicts, yanked).
  {
    id: 'npm-resolve',
    cls: 'dependency',
    re: /npm (ERR!|error) code (ERESOLVE|ETARGET|E404)|No matching version found for|npm (ERR!|error) 404 |notarget|Could not resolve dependency|ERR_PNPM_(NO_MATCHING_VERSION|PEER_DEP_ISSUES|FETCH_404)|error Couldn't find any versions for|YN0001/i,
    confidence: 0.93,
  },
  {
    id: 'pip-resolve',
    cls: 'dependency',
    re: /Could not find a version that satisfies the requirement|No matching distribution found for|ResolutionImpossible|conflicting dependencies|Because .* depends on .* version solving failed|SolverProblemError/i,
    confidence: 0.93,
  },
  {
    id: 'go-mod',
    cls: 'dependency',
    re: /go: .*(unknown revision|invalid version|reading .* 404|module .* found, but does not contain package)|(^|go: )verifying \S+: checksum mismatch|missing go\.sum entry/i,
    confidence: 0.92,
  },
  {
    id: 'maven-resolve',
    cls: 'dependency',
    re: /Could not resolve dependencies for project|Could not find artifact|Failed to collect dependencies|Could not resolve all (files|dependencies) for configuration|Non-resolvable parent POM/i,
    confidence: 0.9,
  },
  {
    id: 'yanked',
    cls: 'dependency',
    re: /\byanked\b|has been yanked|deprecated and (has been )?removed|failed to select a version for/i,
    confidence: 0.9,
  },
  {
    id: 'audit',
    cls: 'dependency',
    re: /\d+ (high|critical) severity vulnerabilit|npm audit .*fail|vulnerabilities found|Vulnerable dependency/i,
    confidence: 0.88,
  },
  {
    id: 'lockfile',
    cls: 'dependency',
    re: /ERR_PNPM_OUTDATED_LOCKFILE|can only install packages when your package\.json and package-lock\.json .*in sync|Your lockfile needs to be updated|lock file .* needs to be updated|poetry\.lock was last generated|pyproject\.toml changed significantly since poetry\.lock|the lock file .* is not up to date|go: updates to go\.(mod|sum) needed/i,
    confidence: 0.9,
  },
  {
    id: 'docker-base',
    cls: 'dependency',
    re: /failed to solve: .*(not found|manifest unknown)|manifest for .* not found|pull access denied for/i,
    confidence: 0.85,
  },
  // The pipeline's own definition is broken.
  {
    id: 'gh-workflow',
    cls: 'config',
    re: /Invalid workflow file|The workflow is not valid|Unrecognized named-value|Unable to resolve action|Can't find 'action\.ya?ml'|Required property is missing|Input required and not supplied|Unexpected value '|please check your action inputs|trying to start process '.*' with working directory '.*'\. No such file or directory|Resource not accessible by integration|Unable to find \w+ version '.*' for platform|The version '.*' with architecture '.*' was not found/i,
    confidence: 0.95,
  },
  {
    id: 'gl-config',
    cls: 'config',
    re: /CI configuration is invalid|jobs config should contain|jobs:.* config contains unknown keys|yaml invalid|Included file .* (does not have valid YAML|not found)|script config should be/i,
    confidence: 0.95,
  },
  {
    id: 'jenkinsfile',
    cls: 'config',
    re: /WorkflowScript: \d+:|MultipleCompilationErrorsException|No such DSL method|Jenkinsfile not found|Unable to find Jenkinsfile|Tool type ".*" does not have an install of/i,
    confidence: 0.93,
  },
  {
    id: 'dockerfile',
    cls: 'config',
    re: /failed to read dockerfile|unknown instruction:|dockerfile parse error|Dockerfile: no such file/i,
    confidence: 0.92,
  },
  {
    id: 'job-setup',
    cls: 'config',
    re: /failed to pull image .* with specified policies.*(not found|manifest unknown|pull access denied|repository does not exist)|Cannot perform an interactive login from a non TTY device|The connection to the server localhost:8080 was refused|dial tcp (\[::1\]|127\.0\.0\.1|localhost):8080: connect: connection refused/i,
    confidence: 0.86,
  },
  // The code itself: a compiler or linter said no.
  {
    id: 'compile',
    cls: 'code',
    re: /error TS\d{4}:|SyntaxError:|cannot find symbol|COMPILATION ERROR|error\[E\d{4}\]|\.go:\d+:\d+: |^\s*undefined: |ReferenceError:|error: cannot find module|ModuleNotFoundError: No module named|ImportError: cannot import name|Compilation failed|compileJava FAILED|mypy: .* error|Found \d+ errors?\b/i,
    confidence: 0.92,
  },
  {
    id: 'lint',
    cls: 'code',
    re: /\d+ problems? \(\d+ errors?|eslint.*error|ruff .* Found \d+ error|golangci-lint .* issues|would reformat|Checkstyle violations/i,
    confidence: 0.88,
  },
  // Tests failed: code, or a flake, which history tells apart.
  {
    id: 'test-timeout',
    cls: 'test_timeout',
    re: /Exceeded timeout of \d+ ?ms|Timeout - Async callback was not invoked|Test timed out in \d+ ?ms|test timed out after|panic: test timed out|Timed out waiting for|TimeoutException|Failed: Timeout >/i,
    confidence: 0.6,
  },
  {
    id: 'test-fail',
    cls: 'test_failure',
    re: /^(FAIL|✕|×|✘) |\s(✕|×|✘) |●.* › |Tests?:\s+\d+ failed|--- FAIL: |^(FAILED|ERROR) \S+::|[=]+ \d+ failed|Tests run: \d+, Failures: [1-9]|There (are|were) (test failures|failing tests)|<<< (FAILURE|ERROR)!|\d+ (tests? )?failing|Test Suites: \d+ failed|\d+ tests completed, \d+ failed|\d+ examples?, [1-9]\d* failures?|^\s*[1-9]\d* failed$/i,
    confidence: 0.7,
  },
  // Any runner's summary that counts failed tests (xUnit-style counts, TAP's not ok, FAILED in capitals).
  {
    id: 'test-summary',
    cls: 'test_failure',
    re: /\b[1-9]\d* (tests?|specs?|examples?|scenarios?|test cases?) (failed|failing)\b|\b(failed|failures|errors):\s*[1-9]\d*\b|\bTESTS? FAILED\b|\(\s*[1-9]\d* FAILED\s*\)|^not ok \d+/i,
    confidence: 0.7,
  },
  // What a failed test said: an assertion compared values (a timeout alone is a flake's usual symptom).
  {
    id: 'assertion',
    cls: 'test_assertion',
    re: /AssertionError(?!: Timed out)|AssertionFailedError|expected .* (to|but) |^E\s+assert |expect\(.*\)\.\w+|Expected( string| number of calls)?: |Failure\/Error: |\bgot .*, want |Snapshot .* mismatched/i,
    confidence: 0.7,
  },
  // The test runner re-ran a failed test in the same job and it passed: a flake the runner itself saw
  // (Playwright --fail-on-flaky-tests, Surefire rerunFailingTestsCount with failOnFlakeCount).
  {
    id: 'flake-report',
    cls: 'flake_report',
    re: /^\s*[1-9]\d* flaky$|Flakes: [1-9]|There (is|are) \d+ flakes? and failOnFlakeCount/i,
    confidence: 0.9,
  },
];

/**
 * Test runs a runner reports after re-running a failed test: any of them failing for good means a failure the
 * re-runs did not clear, so a flake report alone does not explain the job.
 */
export const HARD_TEST_FAILURE =
  /^\s*[1-9]\d* failed$|Tests run: \d+, Failures: [1-9]|Tests run: \d+, Failures: \d+, Errors: [1-9]|--- FAIL: |^FAILED \S+::|Tests?:\s+[1-9]\d* failed/;

/**
 * Names of failing tests in a log's lines, from the test tools' own summaries, without what changes from run
 * to run (line numbers, durations), so one test has one name across commits. Each takes the trimmed line and
 * the next one (mocha and Cypress name a failure over two lines).
 */
const TEST_NAMES: readonly ((line: string, next: string) => string | null)[] = [
  (l) => /^--- FAIL: (\S+)/.exec(l)?.[1] ?? null, // go test
  (l) => /^(?:FAILED|ERROR) (\S+::\S+)/.exec(l)?.[1] ?? null, // pytest (a failure, or an error in a fixture)
  (l) => /^(?:FAIL|✕|×)\s+(\S+\.(?:test|spec)\.[jt]sx?)/.exec(l)?.[1] ?? null, // jest, vitest file
  (l) => /●\s+(.+? › .+?)\s*$/.exec(l)?.[1] ?? null, // jest test
  // surefire 3 (`pkg.Class.method -- Time elapsed`, `Class.method:42 msg`, `Run 1: Class.method:42`)
  (l) =>
    /^\[(?:ERROR|WARNING)\]\s+(?:Run \d+: )?(?:[a-z_$][\w$]*\.)*([A-Z][\w$]*\.[\w$]+)(?::\d+| -- Time elapsed|$)/.exec(
      l,
    )?.[1] ?? null,
  (l) => {
    const m = /^\[ERROR\]\s+(\w+)\((?:[\w$]+\.)*([\w$]+)\)/.exec(l); // surefire 2: method(pkg.Class)
    return m ? `${m[2]}.${m[1]}` : null;
  },
  (l) => {
    const m = /^([\w.$]+) > (.+?) FAILED$/.exec(l); // gradle
    return m ? `${m[1]} > ${m[2]}` : null;
  },
  (l) => /^rspec \S+ # (.+)$/.exec(l)?.[1] ?? null, // rspec
  (l, next) => {
    const m = /^\d+\) (.+)$/.exec(l); // mocha, Cypress: "1) suite" then "   title:"
    const t = /^(.+):$/.exec(next);
    return m && t && !m[1]?.includes('[') ? `${m[1]} ${t[1]}` : null;
  },
  (l) => {
    // Playwright: "[project] › file:line:col › title", with or without "(retry #1)" and a duration
    const m = /\[([\w-]+)\] › (\S+?):\d+:\d+ › (.+?)(?: \(retry #\d+\))?(?: \([\d.]+m?s\))?\s*─*$/.exec(l);
    return m ? `[${m[1]}] ${m[2]} › ${m[3]}` : null;
  },
];

/**
 * Shapes most runners name a failed test in, for a tool none of the above knows: a FAIL/FAILED/not ok marker
 * before the name, FAILED after it, or a numbered failure that names a class's method. Read only when no
 * tool's own shape named one; durations and "(see …)" tails are not part of the name.
 */
const GENERIC_TEST_NAMES: readonly ((line: string) => string | null)[] = [
  (l) => /^(?:FAIL(?:ED)?:?|Failed|not ok \d+ -?)\s+(\S.*)$/.exec(l)?.[1] ?? null,
  (l) => /^(?:- )?(.+?)\s+(?:\*{3}\s*)?FAILED(?:\s*\*{3})?(?: in [\d.]+m?s)?$/.exec(l)?.[1] ?? null,
  (l) => /^\d+\) ([\w\\$]+(?:::|#|\.)[\w$]+)$/.exec(l)?.[1] ?? null,
];

function plainName(n: string): string | null {
  const name = n
    .replace(/\s+\((see |[\d.]+ ?m?s\b)[^)]*\)$/, '')
    .replace(/\s+\[[\d.]+ ?m?s\]$/, '')
    .trim();
  // A name, not a count or a sentence about the run.
  return name.length > 2 && name.length <= 200 && /[A-Za-z]/.test(name) && !/^\d/.test(name) ? name : null;
}

export function failingTests(lines: readonly string[]): string[] {
  const named = knownFailingTests(lines);
  if (named.length > 0) return named;
  const out = new Set<string>();
  for (const raw of lines) {
    for (const shape of GENERIC_TEST_NAMES) {
      const n = shape(raw.trim());
      const name = n ? plainName(n) : null;
      if (name) out.add(name);
    }
  }
  return [...out].slice(0, 20);
}

function knownFailingTests(lines: readonly string[]): string[] {
  const out = new Set<string>();
  let goRunning = false;
  lines.forEach((raw, i) => {
    const l = raw.trim();
    const next = (lines[i + 1] ?? '').trim();
    for (const name of TEST_NAMES) {
      const n = name(l, next);
      if (n) out.add(n);
    }
    // go test's timeout panic lists the tests still running
    if (/^running tests:$/.test(l)) goRunning = true;
    else if (goRunning) {
      const m = /^(Test\S+) \(/.exec(l);
      if (m?.[1]) out.add(m[1]);
      else goRunning = false;
    }
  });
  return [...out].slice(0, 20);
}

/** GitLab's own failure reasons that name the machine, not the job. */
export const GITLAB_INFRA_REASONS = new Set([
  'runner_system_failure',
  'stuck_or_timeout_failure',
  'scheduler_failure',
  'data_integrity_failure',
  'api_failure',
  'runner_unsupported',
  'job_execution_timeout',
  'archived_failure',
]);
