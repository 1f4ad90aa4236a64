import { spawnSync } from 'node:child_process';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { CLI, type DemoConfigOptions, freePort, ROOT, tempDir, writeDemoConfig } from './helpers.js';

/** `medic drill <fault> --json` on the demo service; the last JSON line (the run). */
async function drill(fault: string, o: Partial<DemoConfigOptions> = {}): Promise<Record<string, unknown>> {
  const dir = await tempDir();
  const config = await writeDemoConfig(dir, {
    demoPort: await freePort(),
    env: { DATA_DIR: path.join(dir, 'demo-data') },
    policy: '  max_failed_heals: 3\n  backoff: { initial: 1s, factor: 2 }',
    ...o,
  });
  const r = spawnSync(
    process.execPath,
    ['--import', 'tsx', CLI, 'drill', fault, '--config', config, '--json'],
    {
      cwd: ROOT,
      encoding: 'utf8',
      timeout: 120_000,
    },
  );
  expect(r.status, r.stderr).toBe(0);
  return JSON.parse(r.stdout.trim().split('\n').at(-1)!) as Record<string, unknown>;
}

describe('drills whose right ending is an escalation', () => {
  it('crashloop with only a restart playbook: restarts with growing delays, escalates, no more than the cap', async () => {
    const run = await drill('crashloop');
    expect(run).toMatchObject({
      fault: 'crashloop',
      detected: true,
      healed: false,
      escalated: true,
      ok: true,
      cap: 3,
    });
    expect(run['restarts']).toBe(3);
    const gaps = run['restart_gaps_ms'] as number[];
    expect(gaps).toHaveLength(2);
    // Backoff 1 s then 2 s (each after a verification that fails at the next exit).
    expect(gaps[0]).toBeGreaterThanOrEqual(1000);
    expect(gaps[1]!).toBeGreaterThan(gaps[0]!);
  }, 150_000);

  it('port-squatter: another program on the port is left alone; restarts within the cap, then an escalation', async () => {
    const run = await drill('port-squatter', { ports: true });
    expect(run).toMatchObject({
      fault: 'port-squatter',
      detected: true,
      healed: false,
      escalated: true,
      ok: true,
    });
    expect(run['restarts'] as number).toBeLessThanOrEqual(3);
  }, 150_000);
});

describe('drills Medic heals', () => {
  it('port-conflict: a stray copy of the service on its port is stopped and the service restarted', async () => {
    const run = await drill('port-conflict', { ports: true });
    expect(run).toMatchObject({ fault: 'port-conflict', detected: true, healed: true, ok: true, actions: 1 });
  }, 150_000);
});
