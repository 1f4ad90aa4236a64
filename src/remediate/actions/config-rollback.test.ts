import { readFile, writeFile } from 'node:fs/promises';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { SimulatedClock } from '../../core/index.js';
import { Backups } from '../backups.js';
import { configRollbackAction } from './config-rollback.js';
import type { ExtendedStep } from './steps.js';
import { tempDir, testContext } from './testing.js';

const step = (p: string) => ({ timeout: 30_000, config_rollback: { path: p } }) as unknown as ExtendedStep;

describe('config-rollback action', () => {
  it('restores the last known good version, backing up the bad one so the step can be undone', async () => {
    const dir = await tempDir();
    const f = path.join(dir, 'nginx.conf');
    const clock = new SimulatedClock();
    const backups = new Backups({ dataDir: path.join(dir, '.medic'), clock });
    const ctx = testContext({ baseDir: dir, backups });
    await writeFile(f, 'worker_connections 1024;\n');
    await backups.captureGood([f], null, { reason: 'healthy for 10m' });
    await clock.advance(1000);
    await writeFile(f, 'worker_connections 1024;\n');
    await writeFile(f, 'worker_connections 8;\n'); // a bad deploy

    const plan = configRollbackAction.plan(step('nginx.conf'), 'web', {}, { baseDir: dir });
    expect(plan.backup).toEqual({ files: [f] });
    const files = await backups.backup(plan.backup!.files, 'act_1');
    expect(await configRollbackAction.apply(plan, ctx)).toContain('restored');
    expect(await readFile(f, 'utf8')).toBe('worker_connections 1024;\n');
    // Now at the known good version: a second run has nothing to do and says so.
    await expect(configRollbackAction.apply(plan, ctx)).rejects.toThrow(/already is its last known good/);
    // Undo puts the bad version back, exactly.
    await configRollbackAction.rollback!(plan, ctx, { files });
    expect(await readFile(f, 'utf8')).toBe('worker_connections 8;\n');
  });

  it('fails when no good version is recorded or no backup store is wired', async () => {
    const dir = await tempDir();
    const f = path.join(dir, 'x.yaml');
    await writeFile(f, 'a: 1\n');
    const plan = configRollbackAction.plan(step(f), 's', {});
    const backups = new Backups({ dataDir: path.join(dir, '.medic') });
    await expect(configRollbackAction.apply(plan, testContext({ backups }))).rejects.toThrow(
      /no known good version/,
    );
    await expect(configRollbackAction.apply(plan, testContext())).rejects.toThrow(/no backup store/);
  });
});
