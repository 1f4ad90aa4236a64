import { describe, expect, it } from 'vitest';
import { parseConfig } from '../load.js';
import { DEFAULT_CI_VERIFY_WITHIN, DEFAULT_VERIFY_WITHIN } from './playbooks.js';

const config = (verify: string) => `services:
  shop: {}
playbooks:
  rerun-ci:
    when: { service: shop, cause: ci_flaky_test }
    steps: [{ ci_rerun: {} }]
${verify}
  restart:
    when: { service: shop }
    steps: [{ restart: {} }]
${verify}
`;

describe('playbook verify window', () => {
  it('a playbook that re-runs CI waits for a pipeline run by default; others keep 30s', () => {
    const c = parseConfig(config(''), 'medic.yaml').config;
    expect(DEFAULT_CI_VERIFY_WITHIN).toBeGreaterThanOrEqual(30 * 60_000);
    expect(c.playbooks['rerun-ci']?.verify).toEqual({ within: DEFAULT_CI_VERIFY_WITHIN, stable_for: 1_000 });
    expect(c.playbooks['restart']?.verify).toEqual({ within: DEFAULT_VERIFY_WITHIN, stable_for: 1_000 });
  });

  it('a window written in the config wins over either default', () => {
    const c = parseConfig(config('    verify: { within: 5m }'), 'medic.yaml').config;
    expect(c.playbooks['rerun-ci']?.verify.within).toBe(300_000);
    expect(c.playbooks['restart']?.verify.within).toBe(300_000);
    const partial = parseConfig(config('    verify: { stable_for: 2s }'), 'medic.yaml').config;
    expect(partial.playbooks['rerun-ci']?.verify).toEqual({
      within: DEFAULT_CI_VERIFY_WITHIN,
      stable_for: 2_000,
    });
  });
});
