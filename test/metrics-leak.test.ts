import type { ChildProcess } from 'node:child_process';
import { writeFile } from 'node:fs/promises';
import path from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import type { Action, Finding, Incident } from '../src/core/index.js';
import { readRss } from '../src/daemon/telemetry/samplers.js';
import {
  demoConfig,
  exited,
  firstServiceHealthy,
  freePort,
  getJson,
  startMedicProcess,
  tempDir,
  waitFor,
} from './helpers.js';

let medic: (ChildProcess & { output(): string }) | null = null;

afterEach(async () => {
  if (medic && medic.exitCode === null) {
    medic.kill('SIGTERM');
    await exited(medic);
  }
  medic = null;
});

const LIMIT = 700 * 1024 * 1024;

describe('metrics end to end: the demo memory leak', () => {
  it('is forecast on its RSS before it reaches the limit, and the `kind: forecast` playbook restarts it', async () => {
    const dir = await tempDir();
    const [demoPort, apiPort] = [await freePort(), await freePort()];
    const yaml = demoConfig({ demoPort, apiPort })
      .replace(
        '    checks:\n',
        `    metrics:
      series:
        - { name: rss, rss: true, interval: 200ms }
      forecast:
        - { metric: rss, limit: 700MiB, within: 30s, horizon: 4s, every: 500ms, min_samples: 8 }
    checks:\n`,
      )
      .replace(
        'restart-demo:\n    when: { service: demo, kind: down }',
        'restart-leaking:\n    when: { service: demo, kind: forecast }',
      );
    const file = path.join(dir, 'medic.yaml');
    await writeFile(file, yaml);
    medic = startMedicProcess(file);
    const api = `http://127.0.0.1:${apiPort}`;
    const demo = `http://127.0.0.1:${demoPort}`;
    const healthy = () => firstServiceHealthy(api);
    const before = await waitFor('demo healthy', healthy, 20_000);
    // A flat RSS for a while forecasts nothing.
    await new Promise((r) => setTimeout(r, 2500));
    expect((await getJson<{ items: Finding[] }>(`${api}/api/findings?service=demo`)).items).toEqual([]);

    await fetch(`${demo}/fault/leak?mb_per_s=40`, { method: 'POST' });
    const forecast = await waitFor(
      'a forecast finding',
      async () => {
        const page = await getJson<{ items: Finding[] }>(`${api}/api/findings?service=demo&limit=50`);
        return page.items.find((f) => f.kind === 'forecast');
      },
      20_000,
    );
    expect(forecast.check).toBe('forecast:rss');
    expect(forecast.summary).toMatch(/rss reaches the 700 MiB limit in/);
    // Before the process would die: its RSS was still below the limit, with time to spare.
    expect(Number(forecast.evidence['current'])).toBeLessThan(LIMIT);
    expect(Number(forecast.evidence['etaMs'])).toBeGreaterThan(0);

    const resolved = await waitFor(
      'the incident healed by the forecast playbook',
      async () => (await getJson<{ items: Incident[] }>(`${api}/api/incidents?state=resolved`)).items[0],
      30_000,
    );
    const detail = await getJson<{ actions: Action[] }>(`${api}/api/incidents/${resolved.id}`);
    expect(detail.actions[0]).toMatchObject({
      playbook: 'restart-leaking',
      kind: 'restart',
      state: 'verified',
    });
    const after = await waitFor('demo healthy again', healthy);
    expect(after.pid).not.toBe(before.pid);
    // The new process does not leak, and its RSS history is stored.
    const rss = await readRss(after.pid!);
    expect(rss).toBeLessThan(200 * 1024 * 1024);
    const { samples } = await getJson<{ samples: { value: number }[] }>(
      `${api}/api/metrics/samples?service=demo&metric=rss`,
    );
    expect(samples.length).toBeGreaterThan(10);
    expect(Math.max(...samples.map((s) => s.value))).toBeLessThan(LIMIT);
  }, 60_000);
});
