/**
 * The CI failure classes and the diagnosis cause each becomes. A leaf: both the rules' cause list
 * (diagnose/evidence.ts) and the CI rules import it.
 */
export const CI_CLASSES = ['infrastructure', 'flaky_test', 'dependency', 'code', 'config'] as const;
export type CiClass = (typeof CI_CLASSES)[number];

/** `ci_flaky_test` is the rule that already existed; the others are named alike. */
export const CI_CAUSES = ['ci_infrastructure', 'ci_dependency', 'ci_code', 'ci_config'] as const;

export function causeOf(c: CiClass): string {
  return c === 'flaky_test' ? 'ci_flaky_test' : `ci_${c}`;
}

/** Classes a re-run can fix: a wrong re-run wastes money, so only these are ever re-run. */
export const RERUN_CLASSES: readonly CiClass[] = ['infrastructure', 'flaky_test'];
