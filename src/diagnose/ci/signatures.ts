/**
 * Signatures of CI failures: one regex per kind of line, the class it points to and how sure it is alone.
 * Written from the tools' own messages (GitHub's runner, GitLab Runner, Jenkins remoting, npm, pip, go,
 * Maven, Gradle, Docker BuildKit, jest/vitest, pytest, go test, JUnit/Surefire). `strong` signatures
 * describe the machine, not the code: they hold whatever else the log shows.
 */
import type { CiClass } from './causes.js';

export interface Signature {
  id: string;
  cls: CiClass | 'test_failure' | 'test_timeout';
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
    re: /ChannelClosedException|ClosedChannelException|Agent went offline|RemovedNodeListener|Cannot contact .*: java\.|FATAL: command execution failed|RequestAbortedException/,
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
    re: /OOMKilled|exit code 137|signal: killed|Killed\s+\S*\s*\(core dumped\)|The runner .* ran out of memory|Out of memory: Killed process/i,
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
    re: /\b(ETIMEDOUT|ECONNRESET|EAI_AGAIN|ENETUNREACH|EHOSTUNREACH|ESOCKETTIMEDOUT)\b|Could not resolve host|Temporary failure in name resolution|TLS handshake timeout|i\/o timeout|Connection reset by peer|Connection timed out|Read timed out|ReadTimeoutError|(502 Bad Gateway|503 Service Unavailable|504 Gateway Time-?out)|net\/http: request canceled|unexpected EOF while reading|RPC failed; curl \d+|early EOF|Could not transfer artifact .* (timed out|Connection reset|503|502)/i,
    confidence: 0.92,
    strong: true,
  },
  // Resolution or installation of a dependency failed (a version that does not exist, conflicts, yanked).
  {
    id: 'npm-resolve',
    cls: 'dependency',
    re: /npm ERR! code (ERESOLVE|ETARGET|E404)|No matching version found for|npm ERR! 404 |notarget|Could not resolve dependency|ERR_PNPM_(NO_MATCHING_VERSION|PEER_DEP_ISSUES|FETCH_404)|error Couldn't find any versions for|YN0001/i,
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
    re: /go: .*(unknown revision|invalid version|reading .* 404|module .* found, but does not contain package|verifying .* checksum mismatch)|missing go\.sum entry/i,
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
    re: /found \d+ (high|critical) severity vulnerabilit|npm audit .*fail|vulnerabilities found|Vulnerable dependency/i,
    confidence: 0.88,
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
    re: /Invalid workflow file|The workflow is not valid|Unrecognized named-value|Unable to resolve action|Can't find 'action\.ya?ml'|Required property is missing|Input required and not supplied|Unexpected value '/i,
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
    re: /WorkflowScript: \d+:|MultipleCompilationErrorsException|No such DSL method|Jenkinsfile not found|Unable to find Jenkinsfile/i,
    confidence: 0.93,
  },
  {
    id: 'dockerfile',
    cls: 'config',
    re: /failed to read dockerfile|unknown instruction:|dockerfile parse error|Dockerfile: no such file/i,
    confidence: 0.92,
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
    re: /^(FAIL|✕|×) |\s(✕|×) |●.* › |Tests?:\s+\d+ failed|--- FAIL: |^FAILED |[=]+ \d+ failed|AssertionError|AssertionFailedError|expected .* (to|but) |Tests run: \d+, Failures: [1-9]|There (are|were) test failures|<<< (FAILURE|ERROR)!|\d+ (tests? )?failing|Test Suites: \d+ failed/i,
    confidence: 0.7,
  },
];

/** Names of failing tests in a log's lines, from the test tools' own summaries. */
const TEST_NAMES: readonly RegExp[] = [
  /--- FAIL: (\S+)/, // go test
  /^FAILED (\S+::\S+)/, // pytest
  /^(?:FAIL|✕|×)\s+(\S+\.(?:test|spec)\.[jt]sx?)/, // jest, vitest file
  /●\s+(.+? › .+?)\s*$/, // jest test
  /\[ERROR\]\s+(\w+(?:\.\w+)*Test\.\w+)/, // surefire
  /Tests run: .*<<< (?:FAILURE|ERROR)! - in (\S+)/, // surefire class
];

export function failingTests(lines: readonly string[]): string[] {
  const out = new Set<string>();
  for (const l of lines) {
    for (const re of TEST_NAMES) {
      const m = re.exec(l.trim());
      if (m?.[1]) out.add(m[1]);
    }
  }
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
