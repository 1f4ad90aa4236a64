import { chmod, chown, mkdir, readFile, rm, stat, symlink, writeFile } from 'node:fs/promises';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import type { StepConfig } from '../config/index.js';
import { tempDir } from '../core/temp-dir.fixture.js';
import { configRollbackAction } from './actions/config-rollback.js';
import { fileAction } from './actions/file.js';
import { Backups } from './backups.js';

/**
 * Issue 15, item 2: an application user must not turn a backup or a restore (run as root) against a system
 * file, and an alert's labels must not steer a file step to any file.
 */
const APP = 65534; // nobody: the application's user
const root = process.geteuid?.() === 0;
const tmp = () => tempDir('medic-filesafe-');

describe.skipIf(!root)('backups and restores as root', () => {
  it('refuse to restore through a link put where the backed-up file was', async () => {
    const dir = await tmp();
    const cfg = path.join(dir, 'app.yaml');
    const system = path.join(dir, 'shadow');
    await writeFile(cfg, 'timeout: 1\n');
    await chown(cfg, APP, APP);
    await writeFile(system, 'root:secret\n', { mode: 0o600 });
    const backups = new Backups({ dataDir: path.join(dir, 'data') });
    const [rec] = await backups.backup([cfg], null);
    expect(rec).toMatchObject({ uid: APP });
    // The application user swaps its config for a link to a system file and waits for a rollback.
    await rm(cfg);
    await symlink(system, cfg);
    await expect(backups.restore(rec!.id)).rejects.toThrow(/refused to restore .*now leads to/);
    expect(await readFile(system, 'utf8')).toBe('root:secret\n');
    expect(await stat(system)).toMatchObject({ uid: 0 }); // before: the backup's content, owned by the app
    expect(rec?.realpath).toBe(cfg);
  });

  it('refuse a file in a directory another user can write, unless policy.files.shared_dirs lists it', async () => {
    const dir = await tmp();
    const shared = path.join(dir, 'app');
    await mkdir(shared);
    await chown(shared, APP, APP);
    await chmod(shared, 0o755);
    const cfg = path.join(shared, 'app.yaml');
    await writeFile(cfg, 'timeout: 1\n');
    const strict = new Backups({ dataDir: path.join(dir, 'data') });
    await expect(strict.backup([cfg], null)).rejects.toThrow(/can be written by another user/);
    const allowing = new Backups({
      dataDir: path.join(dir, 'data'),
      files: () => ({ sharedDirs: [shared], templatePaths: [] }),
    });
    const [rec] = await allowing.backup([cfg], null);
    await writeFile(cfg, 'timeout: 2\n');
    await allowing.restore(rec!.id);
    expect(await readFile(cfg, 'utf8')).toBe('timeout: 1\n');
  });
});

describe('templated file paths', () => {
  const step = (kind: 'file' | 'config_rollback', p: string) =>
    (kind === 'file'
      ? { file: { path: p, key: 'timeout', value: 1, min: 0, max: 2 } }
      : { config_rollback: { path: p } }) as unknown as StepConfig;
  const vars = (file: string) => ({ service: { name: 'api' }, finding: { labels: { file } } });

  it.each([
    ['file', '/etc/passwd.yaml'],
    ['file', '../../etc/app.yaml'],
    ['config_rollback', '/etc/passwd.yaml'],
    ['config_rollback', 'x/../../../etc/app.yaml'],
  ] as const)('%s refuses the label value %s', async (kind, label) => {
    const baseDir = await tmp();
    const action = kind === 'file' ? fileAction : configRollbackAction;
    expect(() =>
      action.plan(step(kind, 'conf/{{finding.labels.file}}'), 'api', {}, { baseDir, vars: vars(label) }),
    ).toThrow(/refused: \{\{finding.labels.file\}\}/);
    expect(() =>
      action.plan(step(kind, '{{finding.labels.file}}'), 'api', {}, { baseDir, vars: vars(label) }),
    ).toThrow(/refused/);
  });

  it('accepts a plain label, and an absolute one inside policy.files.template_paths', async () => {
    const baseDir = await tmp();
    const plain = fileAction.plan(
      step('file', 'conf/{{finding.labels.file}}'),
      'api',
      {},
      {
        baseDir,
        vars: vars('api.yaml'),
      },
    );
    expect(plain.params['path']).toBe(path.join(baseDir, 'conf/api.yaml'));
    const allowed = configRollbackAction.plan(
      step('config_rollback', '{{finding.labels.file}}'),
      'api',
      {},
      {
        baseDir,
        vars: vars('/etc/app/api.yaml'),
        files: { sharedDirs: [], templatePaths: ['/etc/app'] },
      },
    );
    expect(allowed.params['path']).toBe('/etc/app/api.yaml');
    // Written in the config itself, an absolute path is the operator's choice, not a label's.
    expect(
      fileAction.plan(step('file', '/etc/app/{{service.name}}.yaml'), 'api', {}, { baseDir }).params['path'],
    ).toBe('/etc/app/api.yaml');
  });
});
