import { spawnSync } from 'node:child_process';
import { readFile, writeFile } from 'node:fs/promises';
import path from 'node:path';
import pino from 'pino';
import { afterEach, describe, expect, it } from 'vitest';
import { createMedic, type Medic } from '../src/daemon/index.js';
import { CLI, demoConfig, freePort, ROOT, tempDir, waitFor } from './helpers.js';

let medic: Medic | null = null;
afterEach(async () => {
  await medic?.stop();
  medic = null;
});

/** Line (1-based) of the first line containing `needle`. */
function lineOf(text: string, needle: string): number {
  return text.split('\n').findIndex((l) => l.includes(needle)) + 1;
}

describe('a broken medic.yaml', () => {
  it('is named by file, line and field, and the running daemon keeps its config', async () => {
    const dir = await tempDir();
    const file = path.join(dir, 'medic.yaml');
    const good = demoConfig({ demoPort: await freePort() });
    await writeFile(file, good);
    medic = await createMedic({ configFile: file, logger: pino({ level: 'silent' }) });
    const rejected: string[] = [];
    const reloaded: number[] = [];
    medic.bus.on('config:rejected', (e) => rejected.push(e.error));
    medic.bus.on('config:reloaded', (e) => reloaded.push(e.at));
    await medic.start();
    await waitFor('demo healthy', () => medic?.health.get('demo') === 'healthy');
    const original = medic.config().config;

    const cases: { name: string; text: string; expect: RegExp }[] = [
      {
        name: 'bad field',
        text: good.replace('http: { url: "http://127.0.0.1', 'http: { url: "not a url'),
        expect: new RegExp(
          `medic\\.yaml:${lineOf(good, 'http: { url:')}: services\\.demo\\.checks\\[0\\]\\.http\\.url: `,
        ),
      },
      {
        name: 'unknown key',
        text: good.replace('    checks:', '    bogus: 1\n    checks:'),
        expect: new RegExp(
          `medic\\.yaml:${lineOf(good, '    checks:')}: services\\.demo\\.bogus: unknown key`,
        ),
      },
      { name: 'bad YAML', text: `${good}\nplaybooks: [unclosed\n`, expect: /medic\.yaml:\d+: / },
    ];
    for (const c of cases) {
      const before = rejected.length;
      await writeFile(file, c.text);
      await waitFor(`rejection of ${c.name}`, () => rejected.length > before, 10_000);
      expect(rejected.at(-1), c.name).toMatch(c.expect);
      expect(medic.config().config, c.name).toBe(original);
      expect(medic.health.get('demo'), c.name).toBe('healthy');
    }
    expect(reloaded).toHaveLength(0);

    // A valid edit is applied: the check interval changes in place.
    await writeFile(file, good.replace('interval: 500ms', 'interval: 700ms'));
    await waitFor('reload', () => reloaded.length === 1, 10_000);
    expect(medic.config().config.services['demo']?.checks[0]?.interval).toBe(700);
    const audit = (await medic.store.listAudit({ limit: 100 })).map((a) => a.event);
    expect(audit.filter((e) => e === 'config.rejected')).toHaveLength(3);
    expect(audit).toContain('config.reloaded');
  });

  it('`medic config validate` prints file:line: field: message and exits 2', async () => {
    const dir = await tempDir();
    const file = path.join(dir, 'medic.yaml');
    const text = demoConfig({ demoPort: 1 }).replace('down_after: 2', 'down_after: zero');
    await writeFile(file, text);
    const r = spawnSync(process.execPath, ['--import', 'tsx', CLI, 'config', 'validate', file], {
      cwd: ROOT,
      encoding: 'utf8',
    });
    expect(r.status).toBe(2);
    const line = lineOf(await readFile(file, 'utf8'), 'down_after: zero');
    expect(r.stderr).toContain(`${file}:${line}: services.demo.checks[0].down_after:`);

    const ok = spawnSync(
      process.execPath,
      ['--import', 'tsx', CLI, 'config', 'validate', path.join(ROOT, 'examples/medic.yaml')],
      {
        cwd: ROOT,
        encoding: 'utf8',
      },
    );
    expect(ok.stdout).toContain('valid');
    expect(ok.status).toBe(0);
  });
});
