import { spawnSync } from 'node:child_process';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { CLI, freePort, ROOT, tempDir, writeDemoConfig } from './helpers.js';

describe('medic drill crashloop', () => {
  it('a service that dies on every start: restarts with growing delays, escalates, no more than the cap', async () => {
    const dir = await tempDir();
    const config = await writeDemoConfig(dir, {
      demoPort: await freePort(),
      env: { DATA_DIR: path.join(dir, 'demo-data') },
      policy: '  max_failed_heals: 3\n  backoff: { initial: 1s, factor: 2 }',
    });
    const r = spawnSync(
      process.execPath,
      ['--import', 'tsx', CLI, 'drill', 'crashloop', '--config', config, '--json'],
      { cwd: ROOT, encoding: 'utf8', timeout: 120_000 },
    );
    expect(r.status, r.stderr).toBe(0);
    const run = JSON.parse(r.stdout.trim().split('\n').at(-1)!) as Record<string, unknown>;
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
});
