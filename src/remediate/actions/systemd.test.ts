import { readFile, writeFile } from 'node:fs/promises';
import path from 'node:path';
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import type { ExtendedStep } from './steps.js';
import { systemdAction } from './systemd.js';
import { fakeProgram, prependPath, tempDir, testContext } from './testing.js';

let dir: string;
let log: string;
let restorePath: () => void;

// The fake systemctl records its argv; <dir>/state says whether the unit is active, <dir>/fail fails a verb.
beforeAll(async () => {
  dir = await tempDir();
  log = await fakeProgram(
    dir,
    'systemctl',
    `const dir = require('node:path').dirname(__filename);
const verb = args.find((a) => !a.startsWith('-'));
const read = (f) => { try { return fs.readFileSync(dir + '/' + f, 'utf8').trim(); } catch { return ''; } };
if (read('fail') === verb) { console.error('Failed to ' + verb + ' unit: Access denied'); process.exit(1); }
if (verb === 'is-active') { const s = read('state') || 'inactive'; console.log(s); process.exit(s === 'active' ? 0 : 3); }
if (verb === 'stop') fs.writeFileSync(dir + '/state', 'inactive');
if (verb === 'start' || verb === 'restart') fs.writeFileSync(dir + '/state', 'active');
`,
  );
  restorePath = prependPath(dir);
});

afterAll(() => restorePath());

beforeEach(async () => {
  await writeFile(log, '');
  await writeFile(path.join(dir, 'state'), 'active');
  await writeFile(path.join(dir, 'fail'), '');
});

async function calls(): Promise<string[][]> {
  return (await readFile(log, 'utf8'))
    .split('\n')
    .filter(Boolean)
    .map((l) => JSON.parse(l) as string[]);
}

const step = (systemd: Record<string, unknown>) => ({ timeout: 30_000, systemd }) as unknown as ExtendedStep;

describe('systemd action', () => {
  it('restarts a unit with systemctl argv, "--" before the unit', async () => {
    const plan = systemdAction.plan(step({ unit: 'nginx.service' }), 'web', {});
    expect(plan.description).toBe('systemctl restart nginx.service');
    expect(await systemdAction.apply(plan, testContext())).toContain('done');
    expect(await calls()).toEqual([['restart', '--', 'nginx.service']]);
  });

  it('renders templates as one argument and refuses names that are not unit names', () => {
    const plan = systemdAction.plan(step({ unit: '{{service.name}}@1.service', user: true }), 'api', {});
    expect(plan.params['unit']).toBe('api@1.service');
    const vars = { service: { name: 'api' }, finding: { labels: { unit: 'x; rm -rf /' } } };
    expect(() =>
      systemdAction.plan(step({ unit: '{{finding.labels.unit}}' }), 'api', {}, { baseDir: dir, vars }),
    ).toThrow(/invalid unit name/);
    expect(() => systemdAction.plan(step({ unit: '--now' }), 'api', {})).toThrow(/invalid unit name/);
  });

  it("uses --user, fails on a non-zero exit with systemctl's message", async () => {
    await writeFile(path.join(dir, 'fail'), 'restart');
    const plan = systemdAction.plan(step({ unit: 'worker', user: true }), 'w', {});
    await expect(systemdAction.apply(plan, testContext())).rejects.toThrow(/Access denied/);
    expect(await calls()).toEqual([['--user', 'restart', '--', 'worker']]);
  });

  it('rolls a stop back with a start when the unit was active before', async () => {
    const plan = systemdAction.plan(step({ unit: 'db.service', action: 'stop' }), 'db', {});
    const ctx = testContext();
    const state = await systemdAction.snapshot!(plan, ctx);
    expect(state).toEqual({ active: true });
    await systemdAction.apply(plan, ctx);
    expect((await readFile(path.join(dir, 'state'), 'utf8')).trim()).toBe('inactive');
    expect(await systemdAction.rollback!(plan, ctx, { files: [], state })).toContain('undone');
    expect((await readFile(path.join(dir, 'state'), 'utf8')).trim()).toBe('active');
    expect((await calls()).map((c) => c[0])).toEqual(['is-active', 'stop', 'start']);
  });

  it('cannot undo a restart', async () => {
    const plan = systemdAction.plan(step({ unit: 'db.service' }), 'db', {});
    await expect(systemdAction.rollback!(plan, testContext(), { files: [] })).rejects.toThrow(
      /cannot be undone/,
    );
  });
});
