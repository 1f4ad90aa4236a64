import { spawn, spawnSync } from 'node:child_process';
import { writeFile } from 'node:fs/promises';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { serviceMetricsSchema } from '../src/config/schema/metrics.js';
import { DEFAULT_THRESHOLD } from '../src/detect/index.js';
import { gaussian } from '../src/detect/synthetic.fixture.js';
import { CLI, ROOT, tempDir } from './helpers.js';

const detect = (...args: string[]) =>
  spawnSync(process.execPath, ['--import', 'tsx', CLI, 'detect', ...args], { cwd: ROOT, encoding: 'utf8' });

/** Two weeks of 5-minute samples of a daily cycle with noise, one spike of 12 spreads at row `spike`. */
async function seriesCsv(spike: number): Promise<string> {
  const g = gaussian(21);
  const t0 = Date.UTC(2026, 0, 1);
  const lines = ['timestamp,value'];
  for (let i = 0; i < 4032; i++) {
    const v = 100 + 10 * Math.sin((2 * Math.PI * i) / 288) + g() + (i === spike ? 12 : 0);
    lines.push(`${new Date(t0 + i * 300_000).toISOString()},${v.toFixed(3)}`);
  }
  const file = path.join(await tempDir(), 'series.csv');
  await writeFile(file, `${lines.join('\n')}\n`);
  return file;
}

describe('medic detect --csv', () => {
  it('marks the spike at the default threshold, the one a medic.yaml detect entry gets', async () => {
    const file = await seriesCsv(3000);
    const r = detect('--csv', file, '--json');
    expect(r.status, r.stderr).toBe(0);
    const out = JSON.parse(r.stdout) as {
      detector: string;
      threshold: number;
      samples: number;
      anomalies: { index: number; score: number }[];
    };
    expect(out.detector).toBe('auto');
    expect(out.samples).toBe(4032);
    expect(out.threshold).toBe(DEFAULT_THRESHOLD);
    expect(serviceMetricsSchema.parse({ detect: [{ metric: 'x' }] }).detect[0]!.threshold).toBe(
      DEFAULT_THRESHOLD,
    );
    expect(out.anomalies.map((a) => a.index)).toContain(3000);
    // Plain noise around it: the spike is the one episode (a second, if any, only while it settles).
    expect(out.anomalies.filter((a) => Math.abs(a.index - 3000) > 60)).toEqual([]);
    for (const a of out.anomalies) expect(a.score).toBeGreaterThanOrEqual(DEFAULT_THRESHOLD);
  });

  it('refuses a threshold outside 0..1 with the value it got', async () => {
    const file = await seriesCsv(-1);
    const r = detect('--csv', file, '--threshold', '1.5');
    expect(r.status).not.toBe(0);
    expect(r.stderr).toContain('--threshold must be in 0..1, not 1.5');
  });
});

describe('a reader that closes the pipe early', () => {
  it('ends the command quietly, exit 0, as `| head` expects', async () => {
    const file = await seriesCsv(3000);
    const child = spawn(process.execPath, ['--import', 'tsx', CLI, 'detect', '--csv', file], { cwd: ROOT });
    let stderr = '';
    child.stderr.on('data', (d: Buffer) => {
      stderr += d.toString();
    });
    // The reader gone before the command writes a byte (as `| head -0`): its first write meets a closed pipe.
    child.stdout.destroy();
    const code = await new Promise<number | null>((resolve) => child.on('close', (c) => resolve(c)));
    expect(stderr).not.toContain('EPIPE');
    expect(code).toBe(0);
  });
});
