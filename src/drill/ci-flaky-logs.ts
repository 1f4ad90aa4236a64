/**
 * The job logs of the CI drill, as GitHub Actions serves them (a timestamp on every line): a Playwright run
 * that saw a test fail then pass on its retry (--fail-on-flaky-tests), the same test failing outright on a
 * later commit, and a TypeScript build that does not compile.
 */

/** GitHub's line stamps, 0.1 s apart from `start`. */
function stamped(lines: readonly string[], start: number): string {
  return `${lines.map((l, i) => `${new Date(start + i * 100).toISOString().replace('Z', '0000Z')} ${l}`).join('\n')}\n`;
}

const preamble = (job: string, repository: string) => [
  "Current runner version: '2.321.0'",
  '##[group]Operating System',
  'Ubuntu',
  '24.04.1',
  'LTS',
  '##[endgroup]',
  `Complete job name: ${job}`,
  '##[group]Run actions/checkout@v4',
  'with:',
  `  repository: ${repository}`,
  '  token: ***',
  '##[endgroup]',
  `Syncing repository: ${repository}`,
];

export const FLAKY_TEST = 'cart › updates the total after removing an item';

/** Playwright saw the test fail, then pass on its retry, and --fail-on-flaky-tests failed the job. */
export function flakeSeenLog(repository: string, start: number): string {
  return stamped(
    [
      ...preamble('e2e', repository),
      '##[group]Run npx playwright test --fail-on-flaky-tests',
      'npx playwright test --fail-on-flaky-tests',
      'shell: /usr/bin/bash -e {0}',
      '##[endgroup]',
      '',
      'Running 24 tests using 2 workers',
      '',
      '  ✓   1 [chromium] › tests/login.spec.ts:8:5 › login › signs in with a password (2.1s)',
      `  ✘  11 [chromium] › tests/cart.spec.ts:33:5 › ${FLAKY_TEST} (6.2s)`,
      `  ✓  12 [chromium] › tests/cart.spec.ts:33:5 › ${FLAKY_TEST} (retry #1) (2.8s)`,
      '',
      `  1) [chromium] › tests/cart.spec.ts:33:5 › ${FLAKY_TEST} ──────────`,
      '',
      '    Error: Timed out 5000ms waiting for expect(locator).toHaveText(expected)',
      '',
      "    Locator: getByTestId('cart-total')",
      '    Expected string: "$42.00"',
      '    Received string: "$57.50"',
      '',
      '        at /home/runner/work/shop/shop/tests/cart.spec.ts:40:50',
      '',
      '  1 flaky',
      `    [chromium] › tests/cart.spec.ts:33:5 › ${FLAKY_TEST} ──────────`,
      '  23 passed (48.1s)',
      '##[error]Process completed with exit code 1.',
      'Post job cleanup.',
    ],
    start,
  );
}

/** The same test failing on a later commit, without a retry: only history says it flakes. */
export function flakeFailedLog(repository: string, start: number): string {
  return stamped(
    [
      ...preamble('e2e', repository),
      '##[group]Run npx playwright test',
      'npx playwright test',
      'shell: /usr/bin/bash -e {0}',
      '##[endgroup]',
      '',
      'Running 24 tests using 2 workers',
      '',
      `  ✘  11 [chromium] › tests/cart.spec.ts:33:5 › ${FLAKY_TEST} (6.1s)`,
      '',
      `  1) [chromium] › tests/cart.spec.ts:33:5 › ${FLAKY_TEST} ──────────`,
      '',
      '    Error: Timed out 5000ms waiting for expect(locator).toHaveText(expected)',
      '',
      "    Locator: getByTestId('cart-total')",
      '    Expected string: "$42.00"',
      '    Received string: "$57.50"',
      '',
      '  1 failed',
      `    [chromium] › tests/cart.spec.ts:33:5 › ${FLAKY_TEST} ──────────`,
      '  23 passed (47.6s)',
      '##[error]Process completed with exit code 1.',
      'Post job cleanup.',
    ],
    start,
  );
}

export const CODE_ERROR =
  "src/cart/total.ts(18,5): error TS2322: Type 'string' is not assignable to type 'number'.";

/** A build that does not compile: the code's failure, whatever a re-run does. */
export function codeLog(repository: string, start: number): string {
  return stamped(
    [
      ...preamble('build', repository),
      '##[group]Run npm run build',
      'npm run build',
      'shell: /usr/bin/bash -e {0}',
      '##[endgroup]',
      '',
      '> shop@2.4.0 build',
      '> tsc -p tsconfig.build.json',
      '',
      CODE_ERROR,
      '##[error]Process completed with exit code 2.',
      'Post job cleanup.',
    ],
    start,
  );
}
