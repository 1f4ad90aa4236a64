import { spawnSync } from 'node:child_process';
import { describe, expect, it } from 'vitest';
import { CLI, freePort, ROOT, tempDir, writeDemoConfig } from './helpers.js';

describe('medic drill', () => {
  it('injects crash and hang into the supervised demo and reports one JSON object per run', async () => {
    const dir = await tempDir();
    const config = await writeDemoConfig(dir, { demoPort: await freePort() });
    for (const fault of ['crash', 'hang']) {
      const r = spawnSync(
        process.execPath,
        ['--import', 'tsx', CLI, 'drill', fault, '--config', config, '--runs', '2', '--json'],
        {
          cwd: ROOT,
          encoding: 'utf8',
          timeout: 90_000,
        },
      );
      expect(r.status, r.stderr).toBe(0);
      const runs = r.stdout
        .trim()
        .split('\n')
        .map((l) => JSON.parse(l) as Record<string, unknown>);
      expect(runs).toHaveLength(2);
      for (const run of runs) {
        expect(run).toMatchObject({ fault, detected: true, healed: true, actions: 1 });
        expect(run['mttd_ms']).toBeTypeOf('number');
        expect(run['mttr_ms']).toBeGreaterThanOrEqual(run['mttd_ms'] as number);
      }
    }
  });
});
