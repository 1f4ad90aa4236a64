import { rm } from 'node:fs/promises';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { registerChaosCase } from './drill-chaos.cases.js';
import { CLI, ROOT } from './helpers.js';
import { copyStack, runNode, type StackCopy } from './stack-helpers.js';

/**
 * Game day, short form (issue 8): the real stack (PostgreSQL, Redis, the demo API, nginx) under Medic.
 * `drill all --runs 1` (every fault Medic promises to heal), then a one-minute soak, then `drill chaos` in its CI
 * form (drill-chaos.cases.ts). Sequential on purpose: two cores, and a soak must not share them with a drill.
 */

/** Every fault `drill all` runs, and what each must meet (the thresholds). */
const WORKING: Record<string, { mttd: number; mttr?: number; rootCause: boolean; expected?: boolean }> = {
  crash: { mttd: 2_000, mttr: 10_000, rootCause: true },
  hang: { mttd: 2_000, rootCause: true },
  slow: { mttd: 30_000, rootCause: true },
  leak: { mttd: 30_000, rootCause: true, expected: true },
  'error-burst': { mttd: 30_000, rootCause: true },
  'db-down': { mttd: 2_000, mttr: 10_000, rootCause: true },
  'cache-down': { mttd: 2_000, mttr: 10_000, rootCause: true },
  'disk-fill': { mttd: 30_000, rootCause: true, expected: true },
  'port-conflict': { mttd: 2_000, rootCause: true },
  'crashloop-transient': { mttd: 2_000, rootCause: true },
  crashloop: { mttd: 2_000, rootCause: true },
  'bad-config': { mttd: 30_000, mttr: 10_000, rootCause: true },
  'config-drift': { mttd: 30_000, mttr: 10_000, rootCause: true },
  // A restart runs first (a stopped API is restarted as any is) and its verification has to run out.
  'bad-deploy': { mttd: 30_000, mttr: 60_000, rootCause: true },
  'db-saturated': { mttd: 30_000, mttr: 20_000, rootCause: true },
  // Needs root, nft and ip netns (the drill makes its namespace); its run fails unless the ban refused the
  // address and expired by itself. MTTD includes making the namespace; measured 0.2-3.4 s / 3.5-6 s.
  'brute-force': { mttd: 30_000, mttr: 30_000, rootCause: true, expected: true },
};

interface Report {
  fault: string;
  service: string;
  runs: number;
  detected: boolean;
  healed: boolean;
  root_cause_ok: boolean;
  mttd_ms: { median: number | null; worst: number | null };
  mttr_ms: { median: number | null; worst: number | null };
  actions: number;
  collateral_actions: number;
  detected_as_expected: boolean | null;
  skipped?: string;
  notes: string[];
}

describe('game day on examples/stack', () => {
  let stack: StackCopy;

  beforeAll(async () => {
    stack = await copyStack();
  });

  afterAll(async () => {
    await rm(stack.dir, { recursive: true, force: true });
  });

  it('drill all --runs 1: every fault detected and healed without a human, root cause right, no collateral', async () => {
    const faults = Object.keys(WORKING);
    const r = await runNode(
      [
        '--import',
        'tsx',
        CLI,
        'drill',
        'all',
        '--config',
        stack.config,
        '--runs',
        '1',
        '--json',
        '--timeout',
        '40000',
      ],
      390_000,
    );
    const reports = r.stdout
      .trim()
      .split('\n')
      .filter((l) => l.startsWith('{'))
      .map((l) => JSON.parse(l) as Report);
    const summary = reports.map((x) => ({
      fault: x.fault,
      detected: x.detected,
      healed: x.healed,
      root_cause_ok: x.root_cause_ok,
      mttd: x.mttd_ms.median,
      mttr: x.mttr_ms.median,
      actions: x.actions,
      collateral: x.collateral_actions,
      notes: x.notes,
    }));
    const why = `${JSON.stringify(summary, null, 1)}\n${r.stderr
      .split('\n')
      .filter((l) => l.startsWith('drill:'))
      .join('\n')}`;
    expect(r.status, why).toBe(0);
    expect(reports.map((x) => x.fault).sort(), why).toEqual([...faults].sort());
    for (const x of reports) {
      const want = WORKING[x.fault]!;
      const at = `${x.fault}: ${why}`;
      expect(x.skipped, at).toBeUndefined();
      expect(x.runs, at).toBe(1);
      expect(x.detected, at).toBe(true);
      expect(x.healed, at).toBe(true);
      expect(x.collateral_actions, at).toBe(0);
      expect(x.actions, at).toBeGreaterThanOrEqual(1);
      if (want.rootCause) expect(x.root_cause_ok, at).toBe(true);
      if (want.expected) expect(x.detected_as_expected, at).toBe(true);
      expect(x.mttd_ms.median, at).toBeLessThanOrEqual(want.mttd);
      if (want.mttr) expect(x.mttr_ms.median, at).toBeLessThanOrEqual(want.mttr);
    }
    // The drill's incidents are in the config's own store, as any incident is.
    expect(r.stderr).not.toMatch(/drill stopped/);
  }, 410_000);

  it('soak 1 minute under load: no finding, incident or action; Medic well under a core', async () => {
    // `medic soak` as main.ts will register it: its own command module, parsed by commander.
    const entry = `
      import { Command } from 'commander';
      import { registerSoak } from ${JSON.stringify(path.join(ROOT, 'src/cli/commands/soak.ts'))};
      const program = new Command().name('medic');
      registerSoak(program);
      await program.parseAsync(process.argv.slice(0, 1).concat(['medic', ...process.argv.slice(1)]));
    `;
    const r = await runNode(
      [
        '--import',
        'tsx',
        '--input-type=module',
        '-e',
        entry,
        'soak',
        '--config',
        stack.config,
        '--duration',
        '60s',
        '--json',
      ],
      130_000,
    );
    const line = r.stdout
      .trim()
      .split('\n')
      .find((l) => l.startsWith('{'));
    expect(line, r.stderr).toBeDefined();
    const s = JSON.parse(line!) as Record<string, unknown> & { details: unknown };
    const why = JSON.stringify(s, null, 1);
    expect(s['findings'], why).toBe(0);
    expect(s['incidents'], why).toBe(0);
    expect(s['actions'], why).toBe(0);
    expect(s['request_errors'], why).toBe(0);
    expect(s['requests'] as number, why).toBeGreaterThanOrEqual(250);
    // Speed is the soak's own report (and the benchmarks'); the test holds a ceiling several times what the
    // soak measures here (2-5 % of a core, the load generator included), so load alone cannot fail it, while
    // a loop that spins still does.
    expect(s['cpu_percent'] as number, why).toBeLessThan(25);
    expect(s['rss_mb_max'] as number, why).toBeGreaterThan(0);
    expect(s['ok'], why).toBe(true);
    expect(r.status, r.stderr).toBe(0);
  }, 150_000);
});

registerChaosCase();
