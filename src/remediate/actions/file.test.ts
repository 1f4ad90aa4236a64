import { chmod, chown, lstat, mkdir, readFile, stat, symlink, writeFile } from 'node:fs/promises';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { SimulatedClock } from '../../core/index.js';
import { Backups } from '../backups.js';
import { fileAction } from './file.js';
import type { ExtendedStep } from './steps.js';
import { tempDir, testContext } from './testing.js';

const step = (file: Record<string, unknown>) => ({ timeout: 30_000, file }) as unknown as ExtendedStep;

async function setup(name: string, content: string) {
  const dir = await tempDir();
  const f = path.join(dir, name);
  await writeFile(f, content);
  const backups = new Backups({ dataDir: path.join(dir, '.medic'), clock: new SimulatedClock() });
  return { dir, f, backups, ctx: testContext({ baseDir: dir, backups }) };
}

const YAML_TEXT = `# upstream settings
upstream:
  url: http://db:5432 # primary
  timeout: 0.8
  mode: fast
other: [1, 2]
`;

describe('file action', () => {
  it('raises a YAML timeout by 0.4 within 0.8..1.2, keeping comments, and declares the backup', async () => {
    const { dir, f, ctx } = await setup('app.yaml', YAML_TEXT);
    const plan = fileAction.plan(
      step({ path: 'app.yaml', key: 'upstream.timeout', by: 0.4, min: 0.8, max: 1.2 }),
      'api',
      {},
      { baseDir: dir },
    );
    expect(plan.backup).toEqual({ files: [f] });
    expect(plan.params['backupFiles']).toEqual([f]);
    expect(plan.description).toBe(`set upstream.timeout in ${f} by 0.4 (bounds 0.8..1.2)`);
    expect(await fileAction.apply(plan, ctx)).toBe(`set upstream.timeout in ${f} from 0.8 to 1.2`);
    expect(await readFile(f, 'utf8')).toBe(YAML_TEXT.replace('timeout: 0.8', 'timeout: 1.2'));
    // Once more would be 1.6: refused, file untouched.
    await expect(fileAction.apply(plan, ctx)).rejects.toThrow(/refused: 1.6 is outside the bounds 0.8..1.2/);
    expect(await readFile(f, 'utf8')).toContain('timeout: 1.2');
  });

  it('refuses an out-of-bounds or unlisted value at plan time', () => {
    expect(() =>
      fileAction.plan(step({ path: '/x.yaml', key: 'a', value: 5, min: 0, max: 2 }), 's', {}),
    ).toThrow(/refused: 5 is outside/);
    expect(() =>
      fileAction.plan(
        step({ path: '/x.yaml', key: 'a', value: 'turbo', allowed: ['fast', 'safe'] }),
        's',
        {},
      ),
    ).toThrow(/not one of/);
    expect(() => fileAction.plan(step({ path: '/x.yaml', key: 'a', value: 5 }), 's', {})).toThrow(
      /declare bounds/,
    );
    expect(() =>
      fileAction.plan(step({ path: '/x.txt', key: 'a', value: 1, min: 0, max: 2 }), 's', {}),
    ).toThrow(/cannot tell the format/);
  });

  it('sets a JSON key keeping indentation, and refuses a missing key unless create is set', async () => {
    const text = '{\n    "pool": {\n        "size": 10,\n        "mode": "fast"\n    }\n}\n';
    const { f, ctx } = await setup('conf.json', text);
    const plan = fileAction.plan(
      step({ path: f, key: 'pool.mode', value: 'safe', allowed: ['fast', 'safe'] }),
      's',
      {},
    );
    await fileAction.apply(plan, ctx);
    expect(await readFile(f, 'utf8')).toBe(text.replace('"fast"', '"safe"'));
    const missing = fileAction.plan(step({ path: f, key: 'pool.max', value: 20, min: 1, max: 50 }), 's', {});
    await expect(fileAction.apply(missing, ctx)).rejects.toThrow(/has no pool.max/);
    const create = fileAction.plan(
      step({ path: f, key: 'pool.max', value: 20, min: 1, max: 50, create: true }),
      's',
      {},
    );
    await fileAction.apply(create, ctx);
    expect(JSON.parse(await readFile(f, 'utf8'))).toEqual({ pool: { size: 10, mode: 'safe', max: 20 } });
  });

  it('sets a .env variable, quoting values that need it, leaving other lines alone', async () => {
    const text = '# db\nexport DB_TIMEOUT=800\nNAME="my app"\n';
    const { f, ctx } = await setup('.env', text);
    const plan = fileAction.plan(step({ path: f, key: 'DB_TIMEOUT', by: 400, min: 500, max: 1500 }), 's', {});
    await fileAction.apply(plan, ctx);
    expect(await readFile(f, 'utf8')).toBe('# db\nexport DB_TIMEOUT=1200\nNAME="my app"\n');
    const name = fileAction.plan(
      step({ path: f, key: 'NAME', value: 'a b; rm', allowed: ['a b; rm'] }),
      's',
      {},
    );
    await fileAction.apply(name, ctx);
    expect(await readFile(f, 'utf8')).toContain('NAME="a b; rm"\n');
  });

  it("rolls back to the byte from the engine's backup, mode included", async () => {
    const { f, ctx, backups } = await setup('app.yaml', YAML_TEXT);
    const { chmod } = await import('node:fs/promises');
    await chmod(f, 0o640);
    const plan = fileAction.plan(
      step({ path: f, key: 'upstream.timeout', value: 1.1, min: 0.8, max: 1.2 }),
      's',
      {},
    );
    // What the engine does: back up plan.backup.files, apply, and on a failed verification roll back.
    const files = await backups.backup(plan.backup!.files, 'act_1');
    await fileAction.apply(plan, ctx);
    expect((await stat(f)).mode & 0o777).toBe(0o640);
    expect(await readFile(f, 'utf8')).not.toBe(YAML_TEXT);
    expect(await fileAction.rollback!(plan, ctx, { files })).toContain('restored');
    expect(await readFile(f, 'utf8')).toBe(YAML_TEXT);
    expect((await stat(f)).mode & 0o777).toBe(0o640);
  });

  it('says so when the value is already set, and fails on a non-numeric value for by', async () => {
    const { f, ctx } = await setup('app.yaml', YAML_TEXT);
    const same = fileAction.plan(
      step({ path: f, key: 'upstream.timeout', value: 0.8, min: 0.5, max: 1 }),
      's',
      {},
    );
    expect(await fileAction.apply(same, ctx)).toContain('unchanged');
    const bad = fileAction.plan(step({ path: f, key: 'upstream.mode', by: 1, min: 0, max: 5 }), 's', {});
    await expect(fileAction.apply(bad, ctx)).rejects.toThrow(/not a number/);
  });
});

describe('file action, YAML details', () => {
  it('replaces only the value in flow collections and quoted strings, and adds a missing key with create', async () => {
    const text = "a: {timeout: 1, keep: [1,2]}   # c\nb: 'fast'\n";
    const { f, ctx } = await setup('x.yml', text);
    await fileAction.apply(
      fileAction.plan(step({ path: f, key: 'a.timeout', value: 2, min: 1, max: 3 }), 's', {}),
      ctx,
    );
    await fileAction.apply(
      fileAction.plan(
        step({ path: f, key: 'b', value: 'safe mode: on', allowed: ['safe mode: on'] }),
        's',
        {},
      ),
      ctx,
    );
    expect(await readFile(f, 'utf8')).toBe("a: {timeout: 2, keep: [1,2]}   # c\nb: 'safe mode: on'\n");
    await fileAction.apply(
      fileAction.plan(
        step({ path: f, key: 'c', value: true, allowed: [true, false], create: true }),
        's',
        {},
      ),
      ctx,
    );
    expect((await readFile(f, 'utf8')).trim().endsWith('c: true')).toBe(true);
  });

  it('edits a symlinked config at its target: the link stays a link, through apply and rollback', async () => {
    const dir = await tempDir();
    await mkdir(path.join(dir, 'releases'));
    const real = path.join(dir, 'releases', 'app.yaml');
    await writeFile(real, YAML_TEXT);
    const link = path.join(dir, 'app.yaml');
    await symlink(real, link);
    const backups = new Backups({ dataDir: path.join(dir, '.medic'), clock: new SimulatedClock() });
    const ctx = testContext({ baseDir: dir, backups });
    const plan = fileAction.plan(
      step({ path: link, key: 'upstream.timeout', value: 1.1, min: 0.8, max: 1.2 }),
      's',
      {},
    );
    const files = await backups.backup(plan.backup!.files, 'act_1');
    await fileAction.apply(plan, ctx);
    expect((await lstat(link)).isSymbolicLink()).toBe(true);
    expect(await readFile(real, 'utf8')).toContain('timeout: 1.1');
    await fileAction.rollback!(plan, ctx, { files });
    expect((await lstat(link)).isSymbolicLink()).toBe(true);
    expect(await readFile(real, 'utf8')).toBe(YAML_TEXT);
  });

  it.skipIf(process.getuid?.() !== 0)(
    'keeps the owner and group of the file it edits and restores',
    async () => {
      const { f, ctx, backups } = await setup('app.yaml', YAML_TEXT);
      await chown(f, NOBODY, NOBODY);
      await chmod(f, 0o640);
      const plan = fileAction.plan(
        step({ path: f, key: 'upstream.timeout', value: 1.1, min: 0.8, max: 1.2 }),
        's',
        {},
      );
      const files = await backups.backup(plan.backup!.files, 'act_1');
      await fileAction.apply(plan, ctx);
      expect(await readFile(f, 'utf8')).toContain('timeout: 1.1');
      expect(await stat(f)).toMatchObject({ uid: NOBODY, gid: NOBODY });
      expect((await stat(f)).mode & 0o7777).toBe(0o640);
      await chown(f, 0, 0); // changed by hand meanwhile: the restore puts back what was backed up
      await fileAction.rollback!(plan, ctx, { files });
      expect(await readFile(f, 'utf8')).toBe(YAML_TEXT);
      expect(await stat(f)).toMatchObject({ uid: NOBODY, gid: NOBODY });
      expect((await stat(f)).mode & 0o7777).toBe(0o640);
    },
  );
});

/** The conventional uid and gid of `nobody` / `nogroup`. */
const NOBODY = 65534;
