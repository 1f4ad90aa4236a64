/** Evidence bundles and findings for the rules' tests (rules.test.ts, rules-regressions.test.ts). */
import type { Finding } from '../core/index.js';
import type { EvidenceBundle } from './evidence.js';
import { diagnoseByRules } from './rules.js';

export const T = Date.UTC(2026, 0, 1, 12);
export const MIN = 60_000;

export function bundle(over: Partial<EvidenceBundle> = {}): EvidenceBundle {
  return { service: 'api', at: T, findings: [], ...over };
}

export function finding(over: Partial<Finding>): Finding {
  return {
    id: 'fnd_1',
    service: 'api',
    check: 'http',
    kind: 'down',
    severity: 'critical',
    score: 1,
    summary: 'api is down',
    evidence: {},
    at: T,
    ...over,
  };
}

export const playbooks = {
  memory_leak: ['restart-service', 'raise-memory-limit'],
  db_unreachable: ['restart-db'],
  process_crashed: ['restart-service'],
};

export const top = (b: EvidenceBundle) => diagnoseByRules(b, playbooks)[0];
