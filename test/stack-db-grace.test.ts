import path from 'node:path';
import { expect, it } from 'vitest';
import { loadConfig } from '../src/config/index.js';
import type { Diagnosis, Finding } from '../src/core/index.js';
import { matchPlaybooks } from '../src/remediate/playbooks.js';
import { ROOT } from './helpers.js';

/**
 * examples/stack: the database is restarted at once when its process died or is stopped, and only after a
 * grace when its probes fail (two timed-out probes in a row are also what a slow database on a loaded machine
 * shows); a saturated one is never restarted.
 */
const down = (check: string): Finding => ({
  id: `f-${check}`,
  service: 'db',
  check,
  kind: 'down',
  severity: 'critical',
  score: 1,
  summary: `db/${check} down`,
  evidence: {},
  at: 0,
});
const cause = (c: string): Diagnosis => ({ cause: c, confidence: 0.9, evidence: [], playbooks: [] });

it('examples/stack: a dead database is restarted at once, one whose probes fail only after a grace', async () => {
  const { config } = await loadConfig(path.join(ROOT, 'examples/stack/medic.yaml'));
  const match = (f: Finding, d?: Diagnosis) =>
    matchPlaybooks(config, f, d ?? null).map((m) => [m.name, m.playbook.when.for]);
  expect(match(down('running'), cause('process_crashed'))).toEqual([['restart-db', 0]]);
  for (const check of ['port', 'postgres']) {
    const matched = match(down(check));
    expect(matched.length).toBeGreaterThan(0);
    for (const [, grace] of matched) expect(grace).toBeGreaterThanOrEqual(5_000);
    // Saturated: its sessions are ended (terminate-db-idle), the server is not restarted.
    expect(match(down(check), cause('db_saturated')).map(([name]) => name)).toEqual(['terminate-db-idle']);
  }
});
