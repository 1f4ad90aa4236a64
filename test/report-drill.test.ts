import { spawnSync } from 'node:child_process';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { CLI, freePort, ROOT, tempDir, writeDemoConfig } from './helpers.js';

const medic = (...args: string[]) =>
  spawnSync(process.execPath, ['--import', 'tsx', CLI, ...args], {
    cwd: ROOT,
    encoding: 'utf8',
    timeout: 120_000,
  });

describe('medic report on a store a drill filled', () => {
  it('gives the detection and recovery times the drill measured', async () => {
    const dir = await tempDir();
    const config = await writeDemoConfig(dir, { demoPort: await freePort() });
    const drill = medic(
      'drill',
      'crash',
      '--config',
      config,
      '--runs',
      '3',
      '--json',
      '--data-dir',
      path.join(dir, 'data'),
    );
    expect(drill.status, drill.stderr).toBe(0);
    const runs = drill.stdout
      .trim()
      .split('\n')
      .filter((l) => l.startsWith('{'))
      .map((l) => JSON.parse(l) as { mttd_ms: number; mttr_ms: number; healed: boolean });
    expect(runs).toHaveLength(3);
    expect(runs.every((r) => r.healed)).toBe(true);

    const report = medic('report', '--offline', '--config', config, '--format', 'json', '--since', '1h');
    expect(report.status, report.stderr).toBe(0);
    const r = JSON.parse(report.stdout) as {
      incidents: { total: number; resolved: number };
      mttdMs: number;
      mttdSamples: number;
      mttrMs: number;
      healedWithoutHuman: { count: number };
    };
    const mean = (xs: number[]) => xs.reduce((a, b) => a + b, 0) / xs.length;
    expect(r.incidents).toMatchObject({ total: 3, resolved: 3 });
    expect(r.healedWithoutHuman.count).toBe(3);
    expect(r.mttdSamples).toBe(3);
    // The same events, read back from the store. Recovery: the incident's resolvedAt both ways, equal but for
    // the rounding of the mean. Detection: the drill times the first finding, the report the incident that
    // finding opened, within moments in the same service lane.
    expect(Math.abs(r.mttdMs - mean(runs.map((x) => x.mttd_ms)))).toBeLessThanOrEqual(50);
    expect(Math.abs(r.mttrMs - mean(runs.map((x) => x.mttr_ms)))).toBeLessThanOrEqual(1);
  }, 150_000);
});
