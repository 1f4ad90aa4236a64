import { describe, expect, it } from 'vitest';
import type { Action, Finding } from '../core/index.js';
import { summarizeSecurity } from './report-security.js';

const T = 1_800_000_000_000;

const finding = (kind: string, at: number, check: string, labels: Record<string, string> = {}): Finding =>
  ({
    id: `f${at}${check}`,
    service: 'api',
    check,
    kind,
    severity: 'warning',
    score: 1,
    summary: '',
    evidence: { labels },
    at,
  }) as Finding;

const action = (kind: string, state: string, at: number, params: Record<string, unknown> = {}): Action =>
  ({
    id: `a${at}${kind}`,
    incidentId: null,
    service: 'api',
    playbook: 'p',
    step: 0,
    kind,
    params,
    state,
    dryRun: false,
    reason: '',
    createdAt: at,
    updatedAt: at,
  }) as Action;

describe('the report’s security section', () => {
  it('counts bans, advisories and drift of the window, and what was done about them', () => {
    const findings = [
      finding('abuse', T + 1, 'abuse:192.0.2.1', { address: '192.0.2.1' }),
      finding('abuse', T + 2, 'abuse:192.0.2.1', { address: '192.0.2.1' }),
      finding('abuse', T - 1, 'abuse:192.0.2.9'), // before the window
      finding('vulnerable', T + 3, 'deps:proj:tiny-lib'),
      finding('vulnerable', T + 4, 'deps:proj:tiny-lib'), // the same package again
      finding('vulnerable', T + 5, 'deps:proj:other'),
      finding('drift', T + 6, 'drift:conf/app.yaml', { file: './conf/app.yaml' }),
      finding('drift', T + 7, 'drift:conf/app.env', { file: 'conf/app.env' }),
    ];
    const actions = [
      action('block', 'verified', T + 1, { address: '192.0.2.1' }),
      action('block', 'rolled_back', T + 2, { address: '192.0.2.1' }), // verification failed: the ban stays
      action('block', 'failed', T + 3, { address: '192.0.2.7' }),
      action('unblock', 'applied', T + 4, { address: '192.0.2.1' }),
      action('update-dependency', 'verified', T + 5),
      action('update-dependency', 'rolled_back', T + 6),
      action('config-rollback', 'verified', T + 7, { path: '/srv/app/conf/app.yaml' }),
      action('config-rollback', 'verified', T + 8, { path: '/srv/app/conf/other.yaml' }), // not a drifted file
      { ...action('block', 'verified', T + 9, { address: '192.0.2.8' }), dryRun: true },
      action('block', 'verified', T + 100, { address: '192.0.2.5' }), // after the window
    ];
    expect(summarizeSecurity(T, T + 100, findings, actions)).toEqual({
      bans: { applied: 2, addresses: 1, lifted: 1, failed: 1 },
      abuse: 2,
      advisories: { packages: 2, updated: 1, rolledBack: 1 },
      drift: { files: 2, corrected: 1 },
    });
  });

  it('is all zeros with nothing to count', () => {
    expect(summarizeSecurity(T, T + 1, [], [])).toEqual({
      bans: { applied: 0, addresses: 0, lifted: 0, failed: 0 },
      abuse: 0,
      advisories: { packages: 0, updated: 0, rolledBack: 0 },
      drift: { files: 0, corrected: 0 },
    });
  });
});
