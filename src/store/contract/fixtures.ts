/** Test data shared by the contract sections. */
import type { Action, Incident, ProbeResult } from '../../core/index.js';

export const T0 = Date.UTC(2026, 0, 1);

export function incidentFixture(over: Partial<Incident> = {}): Incident {
  return {
    id: 'inc_1',
    service: 'api',
    state: 'open',
    title: 'api is down',
    severity: 'critical',
    rootCause: null,
    openedAt: T0,
    updatedAt: T0,
    resolvedAt: null,
    ...over,
  };
}

export function actionFixture(over: Partial<Action> = {}): Action {
  return {
    id: 'act_1',
    incidentId: 'inc_1',
    service: 'api',
    playbook: 'restart',
    step: 0,
    kind: 'restart',
    params: { graceful: true, argv: ['systemctl', 'restart', 'api'] },
    state: 'planned',
    dryRun: false,
    reason: 'api down',
    createdAt: T0,
    updatedAt: T0,
    ...over,
  };
}

export function probe(ok: boolean, message: string, extra: Partial<ProbeResult> = {}): ProbeResult {
  return { ok, latencyMs: 12.5, message, ...extra };
}
