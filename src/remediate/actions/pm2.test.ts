import { readFile, writeFile } from 'node:fs/promises';
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { pm2Action } from './pm2.js';
import type { ExtendedStep } from './steps.js';
import { fakeProgram, prependPath, tempDir, testContext } from './testing.js';

let log: string;
let restorePath: () => void;

beforeAll(async () => {
  const dir = await tempDir();
  // Like pm2: an unknown process name fails.
  log = await fakeProgram(
    dir,
    'pm2',
    `if (args[1] !== 'api' && args[1] !== 'x; rm -rf /') { console.error('[PM2][ERROR] Process or Namespace ' + args[1] + ' not found'); process.exit(1); }
console.log('[PM2] Applying action ' + args[0] + 'ProcessId on app [' + args[1] + ']');`,
  );
  restorePath = prependPath(dir);
});
afterAll(() => restorePath());
beforeEach(() => writeFile(log, ''));

const step = (pm2: Record<string, unknown>) => ({ timeout: 30_000, pm2 }) as unknown as ExtendedStep;
const calls = async () =>
  (await readFile(log, 'utf8'))
    .split('\n')
    .filter(Boolean)
    .map((l) => JSON.parse(l) as string[]);

describe('pm2 action', () => {
  it('runs pm2 restart NAME as argv', async () => {
    const plan = pm2Action.plan(step({ name: '{{service.name}}' }), 'api', {});
    expect(plan.description).toBe('pm2 restart api');
    expect(await pm2Action.apply(plan, testContext())).toBe('pm2 restart api: done');
    expect(await calls()).toEqual([['restart', 'api']]);
  });

  it("reports pm2's error when the process is unknown", async () => {
    const plan = pm2Action.plan(step({ name: 'nope', action: 'reload' }), 'api', {});
    await expect(pm2Action.apply(plan, testContext())).rejects.toThrow(/not found/);
    expect(await calls()).toEqual([['reload', 'nope']]);
  });

  it('refuses a rendered name that is not a process name (no option or shell injection)', () => {
    const vars = { service: { name: 'api' }, finding: { labels: { app: 'x; rm -rf /' } } };
    expect(() =>
      pm2Action.plan(step({ name: '{{finding.labels.app}}' }), 'api', {}, { baseDir: '.', vars }),
    ).toThrow(/invalid pm2 process name/);
    expect(() => pm2Action.plan(step({ name: '--silent' }), 'api', {})).toThrow(/invalid/);
  });

  it('undoes a stop with a start, and cannot undo a restart', async () => {
    const plan = pm2Action.plan(step({ name: 'api', action: 'stop' }), 'api', {});
    await pm2Action.apply(plan, testContext());
    await pm2Action.rollback!(plan, testContext(), { files: [] });
    expect(await calls()).toEqual([
      ['stop', 'api'],
      ['start', 'api'],
    ]);
    const restart = pm2Action.plan(step({ name: 'api' }), 'api', {});
    await expect(pm2Action.rollback!(restart, testContext(), { files: [] })).rejects.toThrow(
      /cannot be undone/,
    );
  });
});
