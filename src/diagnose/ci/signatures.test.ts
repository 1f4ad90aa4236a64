import { describe, expect, it } from 'vitest';
import { classifyCiFailure } from './classify.js';
import { failingTests } from './signatures.js';

const judge = (lines: string[]) => classifyCiFailure({ lines, templates: [], commit: 'c1', at: 0 });

describe('failing test names: one name per test across runs', () => {
  it.each([
    [
      'pytest error in a fixture',
      ['ERROR tests/it/test_a.py::test_b - OperationalError'],
      'tests/it/test_a.py::test_b',
    ],
    [
      'surefire 3, an IT class',
      ['[ERROR] com.acme.SearchApiIT.findsIt -- Time elapsed: 3.1 s <<< FAILURE!'],
      'SearchApiIT.findsIt',
    ],
    [
      'surefire 3 summary',
      ['[ERROR]   SearchApiIT.findsIt:64 expected: <1> but was: <0>'],
      'SearchApiIT.findsIt',
    ],
    [
      'surefire 2',
      ['[ERROR] findsIt(com.acme.SearchTest)  Time elapsed: 0.1 sec  <<< FAILURE!'],
      'SearchTest.findsIt',
    ],
    ['gradle', ['ResolverTest > mergesEdits() FAILED'], 'ResolverTest > mergesEdits()'],
    ['rspec', ['rspec ./spec/a_spec.rb:31 # Payment charges once'], 'Payment charges once'],
    ['mocha, Cypress', ['  1) dashboard', '       filters by owner:'], 'dashboard filters by owner'],
    [
      'Playwright, without line, retry and duration',
      ['  ✓  18 [chromium] › tests/cart.spec.ts:33:5 › cart › updates the total (retry #1) (2.8s)'],
      '[chromium] tests/cart.spec.ts › cart › updates the total',
    ],
    [
      'go timeout panic',
      ['panic: test timed out after 2m0s', '\trunning tests:', '\t\tTestDrain (2m0s)', ''],
      'TestDrain',
    ],
  ])('%s', (_, lines, name) => {
    expect(failingTests(lines)).toContain(name);
  });

  it.each([
    ['TAP', ['not ok 3 - parser rejects empty input'], 'parser rejects empty input'],
    [
      'a marker before the name, duration aside',
      ['FAIL: tests/unit/codec_test (see /tmp/codec.log)'],
      'tests/unit/codec_test',
    ],
    ['FAILED after the name', ['- rejects an expired token *** FAILED ***'], 'rejects an expired token'],
    ['a numbered class method', ['1) Acme\\CartTest::testTotals'], 'Acme\\CartTest::testTotals'],
  ])('a runner no shape above knows: %s', (_, lines, name) => {
    expect(failingTests(lines)).toEqual([name]);
  });

  it("a known runner's names are not mixed with the generic shapes", () => {
    expect(failingTests(['--- FAIL: TestDrain (0.31s)', 'FAIL\tgithub.com/acme/queue\t0.4s'])).toEqual([
      'TestDrain',
    ]);
  });

  it('the surefire goal line names no test', () => {
    expect(
      failingTests(['[ERROR] Failed to execute goal org.apache.maven.plugins:x:1:test (t) on project p']),
    ).toEqual([]);
  });
});

describe('classification from the log alone', () => {
  it('a flake the runner saw (failed, then passed on its retry) is flaky_test above the re-run threshold', () => {
    const v = judge(['  ✘  3 [chromium] › a.spec.ts:3:5 › x (6.2s)', '  1 flaky', '  63 passed (1.4m)']);
    expect(v).toMatchObject({ cls: 'flaky_test', signature: 'flake-report' });
    expect(v.confidence).toBeGreaterThanOrEqual(0.85);
  });

  it('a flake report beside a test that failed for good is not a flake', () => {
    const v = judge(['  1 failed', '  1 flaky', '  62 passed (1.4m)']);
    expect(v.cls).toBe('code');
  });

  it('a test that only timed out is not called flaky without history', () => {
    const timeout = judge(['FAIL src/a.test.ts > s > t', 'Error: Test timed out in 5000ms.']);
    expect(timeout).toMatchObject({ cls: 'code', signature: 'test-timeout' });
    expect(timeout.confidence).toBeLessThan(0.7);
    const again = classifyCiFailure(
      {
        lines: ['FAIL src/a.test.ts', 'Error: Test timed out in 5000ms.'],
        templates: [],
        commit: 'c2',
        at: 1,
      },
      {
        testRuns: (test) => [
          { test, commit: 'c1', passed: false, at: 0 },
          { test, commit: 'c1', passed: true, at: 0 },
        ],
        template: () => undefined,
      },
    );
    expect(again.cls).toBe('flaky_test');
  });

  it("a runner's failed-test count it does not know is a test failure, which history can call a flake", () => {
    const lines = ['not ok 3 - parser rejects empty input', '# tests 12', '# fail 1'];
    expect(judge(lines)).toMatchObject({ cls: 'code', confidence: 0.7 });
    const v = classifyCiFailure(
      { lines, templates: [], commit: 'c1', at: 1 },
      { testRuns: (test) => [{ test, commit: 'c1', passed: true, at: 0 }], template: () => undefined },
    );
    expect(v).toMatchObject({ cls: 'flaky_test', tests: ['parser rejects empty input'] });
  });

  it.each([
    [
      'git host 5xx',
      "fatal: unable to access 'https://git.example/a/': The requested URL returned error: 502",
      'infrastructure',
    ],
    [
      'killed for memory in a build',
      'ERROR: process "/bin/sh -c make" did not complete successfully: exit code: 137',
      'infrastructure',
    ],
    ['npm 10 404', 'npm error code E404', 'dependency'],
    [
      'lock file out of step',
      ' ERR_PNPM_OUTDATED_LOCKFILE  Cannot install with "frozen-lockfile"',
      'dependency',
    ],
    ['action input', '##[error]Credentials could not be loaded, please check your action inputs', 'config'],
    [
      'job image',
      'ERROR: Job failed: failed to pull image "nod:20" with specified policies [always]: manifest unknown',
      'config',
    ],
  ])('%s', (_, line, cls) => {
    expect(judge([line]).cls).toBe(cls);
  });
});
