/**
 * Diagnosis rules of CI failures: the classifier's verdict, carried by the CI finding's evidence (`ci`),
 * becomes the cause `ci_<class>` with the verdict's confidence. Only a diagnosis of a CI check reads it: a
 * service's crash is not explained by its pipeline. The `ci_flaky_test` rule of rules.ts also sees the
 * failing tests' runs (`ciRuns`).
 */
import type { Cause, EvidenceBundle } from '../evidence.js';
import { type CiClass, causeOf } from './causes.js';

export interface CiEvidence {
  cls: CiClass;
  confidence: number;
  evidence: string[];
  failingLines: string[];
  ciRuns?: { test: string; commit: string; passed: boolean; at: number }[];
}

/** The verdict of the CI finding this diagnosis is about, if it is about one. */
export function ciEvidenceOf(b: Pick<EvidenceBundle, 'findings' | 'trigger'>): CiEvidence | null {
  const check = b.trigger?.check;
  if (!check?.startsWith('ci:')) return null;
  for (let i = b.findings.length - 1; i >= 0; i--) {
    const f = b.findings[i];
    const ci = f?.check === check ? (f.evidence['ci'] as CiEvidence | undefined) : undefined;
    if (ci && typeof ci === 'object' && typeof ci.cls === 'string' && typeof ci.confidence === 'number')
      return ci;
  }
  return null;
}

/** The failing tests' runs the CI finding carries, for the `ci_flaky_test` rule. */
export function ciRunsOf(
  b: Pick<EvidenceBundle, 'findings' | 'trigger'>,
): EvidenceBundle['ciRuns'] | undefined {
  const runs = ciEvidenceOf(b)?.ciRuns;
  return Array.isArray(runs) && runs.length > 0 ? runs : undefined;
}

function ciRule(cls: CiClass, signature: string) {
  return {
    cause: causeOf(cls) as Cause,
    signature,
    match(b: EvidenceBundle) {
      const ci = ciEvidenceOf(b);
      if (!ci || ci.cls !== cls) return null;
      const lines = ci.failingLines.slice(0, 3).map((l) => `log: ${l}`);
      return { confidence: ci.confidence, evidence: [...ci.evidence, ...lines] };
    },
  };
}

export const CI_RULES = [
  ciRule(
    'infrastructure',
    'a CI job failed on its machine: runner lost, network or registry, disk full, OOM, system cancel',
  ),
  ciRule('flaky_test', 'a CI test whose failures a re-run fixed before, or that passed on the same commit'),
  ciRule('dependency', 'a CI job failed resolving or installing a dependency'),
  ciRule('code', 'a CI job failed on the code: compile error, lint, tests failing consistently'),
  ciRule('config', 'a CI pipeline definition is invalid'),
];
