import { type ChildProcess, spawnSync } from 'node:child_process';
import { writeFile } from 'node:fs/promises';
import path from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import type { Action, Finding, Incident } from '../src/core/index.js';
import {
  CLI,
  demoConfig,
  exited,
  firstServiceHealthy,
  freePort,
  getJson,
  ROOT,
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

describe('logs end to end: the demo error burst', () => {
  it('becomes a pattern finding naming the new template, and a `kind: pattern` playbook heals it', async () => {
    const dir = await tempDir();
    const [demoPort, apiPort] = [await freePort(), await freePort()];
    // Only a pattern playbook: the `down` finding of the failing health check finds nothing to run.
    const yaml = demoConfig({ demoPort, apiPort })
      .replace(
        '    checks:\n',
        `    logs:
      stdout: true
      novelty: { window: 10s, warmup: 1s }
    checks:\n`,
      )
      .replace(
        'restart-demo:\n    when: { service: demo, kind: down }',
        'restart-on-errors:\n    when: { service: demo, kind: pattern }',
      );
    const file = path.join(dir, 'medic.yaml');
    await writeFile(file, yaml);
    medic = startMedicProcess(file);
    const api = `http://127.0.0.1:${apiPort}`;
    const demo = `http://127.0.0.1:${demoPort}`;
    const healthy = () => firstServiceHealthy(api);
    const before = await waitFor('demo healthy', healthy, 20_000);
    // Normal traffic first: its template is known before the burst.
    for (let i = 0; i < 20; i++) await fetch(`${demo}/api/work`);
    await new Promise((r) => setTimeout(r, 1500));

    await fetch(`${demo}/fault/errors?count=100000`, { method: 'POST' });
    // The burst: the heal may restart the demo while it runs, so a refused request just ends it.
    let errors = 0;
    for (let i = 0; i < 40; i++) {
      const res = await fetch(`${demo}/api/work`).catch(() => null);
      if (!res) break;
      if (res.status === 500) errors++;
    }
    expect(errors).toBeGreaterThan(0);

    const pattern = await waitFor('a pattern finding', async () => {
      const page = await getJson<{ items: Finding[] }>(`${api}/api/findings?service=demo&limit=50`);
      return page.items.find((f) => f.kind === 'pattern');
    });
    // The burst writes two new error lines: the access line answered 500 (http_5xx) on stdout and the demo's
    // `ERROR work failed` on stderr (level error); whichever is mined first is the new pattern.
    const category = String(pattern.evidence['category']);
    expect(['http_5xx', 'error']).toContain(category);
    expect(pattern.evidence['reason']).toBe('new');
    const templateId = String(pattern.evidence['templateId']);
    expect(templateId.endsWith(`~${category}`)).toBe(true);
    expect(String(pattern.evidence['template'])).toContain(`[${category}]`);
    expect(pattern.summary).toContain(String(pattern.evidence['template']));
    expect(JSON.stringify(pattern.evidence['examples'])).toMatch(/ 500 |ERROR/);

    const resolved = await waitFor(
      'the incident healed by the pattern playbook',
      async () => {
        const page = await getJson<{ items: Incident[] }>(`${api}/api/incidents?state=resolved`);
        return page.items[0];
      },
      30_000,
    );
    const detail = await getJson<{ actions: Action[]; findings: Finding[] }>(
      `${api}/api/incidents/${resolved.id}`,
    );
    expect(detail.findings.some((f) => f.kind === 'pattern')).toBe(true);
    expect(detail.actions[0]).toMatchObject({
      playbook: 'restart-on-errors',
      kind: 'restart',
      state: 'verified',
    });
    const after = await waitFor('demo healthy again', healthy);
    expect(after.pid).not.toBe(before.pid);
    expect((await fetch(`${demo}/api/work`)).status).toBe(200);

    // The template and its lines are in the store, read through the API.
    const templates = await getJson<{ items: { templateId: string; count: number; text: string }[] }>(
      `${api}/api/logs/templates?service=demo`,
    );
    expect(templates.items.find((t) => t.templateId === templateId)?.count).toBeGreaterThanOrEqual(1);
    const lines = await getJson<{ items: { text: string }[] }>(
      `${api}/api/logs/lines?service=demo&template=${encodeURIComponent(templateId)}&limit=1000`,
    );
    expect(lines.items.length).toBeGreaterThanOrEqual(1);
    expect(lines.items.every((l) => / 500 |ERROR/.test(l.text))).toBe(true);

    // `medic logs` reads the same through the API.
    const cli = (...args: string[]) =>
      spawnSync(
        process.execPath,
        ['--import', 'tsx', CLI, 'logs', ...args, '--service', 'demo', '--url', api],
        {
          cwd: ROOT,
          encoding: 'utf8',
        },
      );
    expect(cli('templates').stdout).toContain(templateId);
    const found = cli('search', '--template', templateId, '--limit', '5');
    expect(found.status).toBe(0);
    expect(found.stdout.trim().split('\n').length).toBeGreaterThanOrEqual(1);
  }, 60_000);
});
