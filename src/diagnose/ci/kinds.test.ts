import { describe, expect, it } from 'vitest';
import { exitCode, failingCommand, kindOfFailure } from './kinds.js';

// Messages of tools the signatures do not list: the kind of words must carry to them.
describe('kinds of evidence, for failing steps no signature names', () => {
  it.each([
    [
      'Swift PM',
      'swift build',
      ["error: Dependencies could not be resolved because root depends on 'swift-nio' 3.0.0..<4.0.0."],
      'dependency',
    ],
    [
      'conda',
      'conda env create -f environment.yml',
      ['UnsatisfiableError: The following specifications were found to be incompatible with each other:'],
      'dependency',
    ],
    ['apt', 'apt-get install -y libpq-dev', ['E: Unable to locate package libpq-devv'], 'dependency'],
    [
      'PowerShell',
      'pwsh ./build.ps1',
      [
        "pnpm : The term 'pnpm' is not recognized as the name of a cmdlet, function, script file, or operable program.",
      ],
      'config',
    ],
    [
      'a variable the job lacks',
      './deploy.sh',
      ['Error: environment variable SENTRY_AUTH_TOKEN is not set'],
      'config',
    ],
    [
      'kubectl credentials',
      'kubectl apply -f k8s/',
      ['error: You must be logged in to the server (Unauthorized)'],
      'config',
    ],
    [
      'a deploy key',
      'git push deploy main',
      ['git@deploy.example: Permission denied (publickey).', 'fatal: Could not read from remote repository.'],
      'config',
    ],
    [
      'a sh script naming a missing tool',
      null,
      ['+ ./scripts/release.sh', './scripts/release.sh: 4: protoc: not found'],
      'config',
    ],
    ['a removed feature', 'echo', ['Error: the save-state command is disabled'], 'config'],
    [
      'a repository host gone',
      'mvn -B package',
      ['[ERROR] Failed to connect to repo.example.org port 443 after 130 ms'],
      'infrastructure',
    ],
    [
      'a crashed build daemon',
      'bazel build //...',
      [
        'Server terminated abruptly (error code: 14, error message: "Socket closed")',
        'The Bazel server daemon crashed unexpectedly',
      ],
      'infrastructure',
    ],
    [
      'DNS',
      'curl -fsS https://api.example.net/health',
      ['dial tcp: lookup api.example.net on 10.0.0.2:53: server misbehaving'],
      'infrastructure',
    ],
    [
      'clang',
      'make',
      [
        "src/util.c:41:10: error: use of undeclared identifier 'n'",
        'make: *** [Makefile:12: util.o] Error 1',
      ],
      'code',
    ],
    [
      'javac via Maven',
      'mvn -B compile',
      ['[ERROR] /src/Main.java:[12,8] error: incompatible types: String cannot be converted to int'],
      'code',
    ],
    [
      'a refusal on this machine is its set-up',
      'psql -h localhost -c "select 1"',
      ['psql: error: connection to server at "localhost" (127.0.0.1), port 5432 failed: Connection refused'],
      'config',
    ],
    [
      'a refusal by another machine is the network',
      'psql -h db.internal',
      ['psql: error: connection to server at "db.internal" (10.1.2.3), port 5432 failed: Connection refused'],
      'infrastructure',
    ],
    [
      "the pipeline's own file",
      null,
      [
        'ERROR: .woodpecker.yml is not valid: steps.build: unexpected key',
        'Invalid .gitlab-ci.yml: jobs:test:script config should be a string',
      ],
      'config',
    ],
    [
      'a job over its time limit',
      null,
      [
        'Build timed out (after 30 minutes). Marking the build as failed.',
        'the job exceeded its time limit of 30m0s',
      ],
      'infrastructure',
    ],
    [
      'a lock file out of step',
      'bundle install --frozen',
      [
        "The gemspecs for path gems changed; the lockfile can't be updated because frozen mode is set",
        'lock file out of date',
      ],
      'dependency',
    ],
    [
      'killed for memory (exit 137)',
      './gradlew test',
      ['Process completed with exit code 137.'],
      'infrastructure',
    ],
  ])('%s', (_, step, lines, cls) => {
    expect(kindOfFailure(lines as string[], step as string | null)?.cls).toBe(cls);
  });

  it('words that tell nothing give no kind', () => {
    expect(kindOfFailure(['Building...', 'Process completed with exit code 1.'], 'make')).toBeNull();
  });

  it('a shell that could not run the command (exit 127) is the pipeline, whatever else it printed', () => {
    const v = kindOfFailure(['+ ./scripts/release.sh', 'Process completed with exit code 127.'], null);
    expect(v?.cls).toBe('config');
  });

  it('a package manager resolving weighs its step toward dependency; a machine failure is never above 0.8', () => {
    const resolving = kindOfFailure(['error: version solving failed for shelf'], 'dart pub get');
    expect(resolving).toMatchObject({ cls: 'dependency' });
    expect(resolving?.confidence).toBeGreaterThan(
      kindOfFailure(['error: version solving failed for shelf'], 'make test')?.confidence ?? 1,
    );
    const infra = kindOfFailure(
      ['Retrying in 5s', 'error: connection reset by peer while reading', 'no route to host'],
      'npm ci',
    );
    expect(infra).toMatchObject({ cls: 'infrastructure', confidence: 0.8 });
  });

  it('a tie between a machine failure and the pipeline goes to the one that is not re-run', () => {
    const v = kindOfFailure(['fatal: unable to access repo: Permission denied; connection reset'], null);
    expect(v?.cls).toBe('config');
  });

  it('reads the failing command and the exit code', () => {
    expect(failingCommand(['$ npm ci', 'x', '$ npm test', 'y'], 'step_script')).toBe('npm test');
    expect(failingCommand(['+ make', 'y'], 'Build')).toBe('make');
    expect(failingCommand(['y'], 'cargo test')).toBe('cargo test');
    expect(exitCode(['ERROR: Job failed: exit code 2'])).toBe(2);
    expect(exitCode(['script returned exit code 127'])).toBe(127);
  });
});
