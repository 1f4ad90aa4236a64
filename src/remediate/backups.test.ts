import { spawn } from 'node:child_process';
import { createHash } from 'node:crypto';
import { chmod, chown, lstat, mkdir, readdir, readFile, stat, symlink, writeFile } from 'node:fs/promises';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { SimulatedClock } from '../core/index.js';
import { tempDir } from '../core/temp-dir.fixture.js';
import type { BackupRecord } from './backup-record.js';
import { Backups } from './backups.js';

const ROOT = path.resolve(import.meta.dirname, '../..');
const hash = (b: Buffer | string) => createHash('sha256').update(b).digest('hex');

async function setup() {
  const dir = await tempDir('medic-backups-');
  const clock = new SimulatedClock();
  return { dir, clock, backups: new Backups({ dataDir: path.join(dir, 'data'), clock }) };
}

describe('backups', () => {
  it('stores content by sha256 with metadata, and restores it to the byte with its mode', async () => {
    const { dir, backups } = await setup();
    const file = path.join(dir, 'app.yaml');
    const original = Buffer.from('timeout: 0.8 # seconds\n\u00e9\u0000binary\n');
    await writeFile(file, original);
    await chmod(file, 0o640);
    const [rec] = await backups.backup([file], 'act_1', {
      incidentId: 'inc_1',
      reason: 'raise timeout',
      confidence: 0.9,
    });
    expect(rec).toMatchObject({
      actionId: 'act_1',
      path: file,
      exists: true,
      mode: 0o640,
      size: original.length,
      hash: hash(original),
      incidentId: 'inc_1',
      reason: 'raise timeout',
      confidence: 0.9,
      good: false,
      createdAt: Date.UTC(2026, 0, 1),
    });
    expect(await readFile(path.join(dir, 'data/backups/blobs', hash(original)))).toEqual(original);
    const meta = JSON.parse(await readFile(path.join(dir, 'data/backups/meta', `${rec!.id}.json`), 'utf8'));
    expect(meta).toEqual(rec);

    await writeFile(file, 'timeout: 5\n');
    await chmod(file, 0o600);
    await backups.restore(rec!.id);
    expect(await readFile(file)).toEqual(original);
    expect((await stat(file)).mode & 0o777).toBe(0o640);
  });

  it('restores through a symlink to its target, keeping the link', async () => {
    const { dir, backups } = await setup();
    await mkdir(path.join(dir, 'real'));
    const real = path.join(dir, 'real', 'app.env');
    const link = path.join(dir, 'app.env');
    await writeFile(real, 'A=1\n');
    await symlink(real, link);
    const [rec] = await backups.backup([link], 'act_1');
    await writeFile(real, 'A=2\n');
    await backups.restore(rec!.id);
    expect((await lstat(link)).isSymbolicLink()).toBe(true);
    expect(await readFile(real, 'utf8')).toBe('A=1\n');
  });

  it.skipIf(process.getuid?.() !== 0)('records the owner and group and restores them', async () => {
    const { dir, backups } = await setup();
    const file = path.join(dir, 'app.yaml');
    await writeFile(file, 'a: 1\n');
    await chown(file, 65534, 65534);
    await chmod(file, 0o640);
    const [rec] = await backups.backup([file], 'act_1');
    expect(rec).toMatchObject({ uid: 65534, gid: 65534, mode: 0o640 });
    await writeFile(file, 'a: 2\n');
    await chown(file, 0, 0);
    await backups.restore(rec!.id);
    expect(await readFile(file, 'utf8')).toBe('a: 1\n');
    expect(await stat(file)).toMatchObject({ uid: 65534, gid: 65534 });
    expect((await stat(file)).mode & 0o7777).toBe(0o640);
  });

  it('shares one blob between equal versions and lists newest first', async () => {
    const { dir, backups, clock } = await setup();
    const a = path.join(dir, 'a.env');
    await writeFile(a, 'X=1\n');
    const [r1] = await backups.backup([a], 'act_1');
    await clock.advance(1000);
    const [r2] = await backups.backup([a], 'act_2');
    expect(r1!.hash).toBe(r2!.hash);
    expect(await readdir(path.join(dir, 'data/backups/blobs'))).toHaveLength(1);
    expect((await backups.list()).map((r) => r.id)).toEqual([r2!.id, r1!.id]);
    expect((await backups.list({ actionId: 'act_1' })).map((r) => r.id)).toEqual([r1!.id]);
    await expect(backups.get('bak_nope')).rejects.toThrow(/not found/);
    await expect(backups.restore('../../etc/passwd')).rejects.toThrow(/not found/);
  });

  it('records a missing file as missing: restoring it removes the file', async () => {
    const { dir, backups } = await setup();
    const f = path.join(dir, 'new.json');
    const [rec] = await backups.backup([f], 'act_1');
    expect(rec).toMatchObject({ exists: false, hash: null, size: 0 });
    await writeFile(f, '{}');
    await backups.restore(rec!.id);
    await expect(stat(f)).rejects.toThrow(/ENOENT/);
  });

  it('refuses to restore a corrupt blob', async () => {
    const { dir, backups } = await setup();
    const f = path.join(dir, 'c.yaml');
    await writeFile(f, 'a: 1\n');
    const [rec] = await backups.backup([f], 'act_1');
    await writeFile(path.join(dir, 'data/backups/blobs', rec!.hash!), 'a: 2\n');
    await writeFile(f, 'a: 3\n');
    await expect(backups.restore(rec!.id)).rejects.toThrow(/corrupt/);
    expect(await readFile(f, 'utf8')).toBe('a: 3\n');
  });

  it('tracks the last known good version of a path', async () => {
    const { dir, backups, clock } = await setup();
    const f = path.join(dir, 'app.yaml');
    expect(await backups.lastKnownGood(f)).toBeNull();
    await writeFile(f, 'v: 1\n');
    const [g1] = await backups.captureGood([f], null, { reason: 'healthy' });
    await clock.advance(10);
    // Same content again: no new record.
    expect((await backups.captureGood([f], null))[0]!.id).toBe(g1!.id);
    await writeFile(f, 'v: 2\n');
    const [b2] = await backups.backup([f], 'act_2');
    expect((await backups.lastKnownGood(f))?.id).toBe(g1!.id);
    await clock.advance(10);
    const marked = await backups.markGood(b2!.id);
    expect(marked).toMatchObject({ good: true, goodAt: clock.now() });
    expect((await backups.lastKnownGood(path.relative(process.cwd(), f)))?.id).toBe(b2!.id);
    expect(await backups.lastKnownGood(path.join(dir, 'other.yaml'))).toBeNull();
  });

  it("prunes by age and count, keeping each path's last known good and dropping unused blobs", async () => {
    const { dir, backups, clock } = await setup();
    const f = path.join(dir, 'p.yaml');
    const recs: BackupRecord[] = [];
    for (let i = 0; i < 5; i++) {
      await writeFile(f, `v: ${i}\n`);
      recs.push(...(await backups.backup([f], `act_${i}`)));
      await clock.advance(60_000);
    }
    await backups.markGood(recs[0]!.id);
    const res = await backups.prune({ keepPerPath: 2 });
    expect(res).toEqual({ records: 2, blobs: 2 });
    expect((await backups.list()).map((r) => r.id).sort()).toEqual(
      [recs[0]!.id, recs[3]!.id, recs[4]!.id].sort(),
    );
    await backups.prune({ maxAgeMs: 90_000 });
    expect((await backups.list()).map((r) => r.id).sort()).toEqual([recs[0]!.id, recs[4]!.id].sort());
    expect(await readdir(path.join(dir, 'data/backups/blobs'))).toHaveLength(2);
  });

  it('survives SIGKILL right after backup returns: blob and metadata are complete', async () => {
    const { dir } = await setup();
    const dataDir = path.join(dir, 'data');
    const file = path.join(dir, 'crash.yaml');
    const churn = path.join(dir, 'churn.bin');
    const content = `timeout: 0.8\n${'x'.repeat(200_000)}\n`;
    await writeFile(file, content);
    const script = path.join(dir, 'crash.mts');
    // The child backs up, says so, then keeps backing up a changing 1 MiB file until it is killed mid-write.
    await writeFile(
      script,
      `import { randomBytes } from 'node:crypto';
import { writeFileSync } from 'node:fs';
import { Backups } from ${JSON.stringify(path.join(ROOT, 'src/remediate/backups.ts'))};
const b = new Backups({ dataDir: ${JSON.stringify(dataDir)} });
const recs = await b.backup([${JSON.stringify(file)}], 'act_crash', { reason: 'crash test' });
process.stdout.write(JSON.stringify(recs) + '\\n');
for (;;) {
  writeFileSync(${JSON.stringify(churn)}, randomBytes(1 << 20));
  await b.backup([${JSON.stringify(churn)}], 'act_churn');
}
`,
    );
    const child = spawn(process.execPath, ['--import', 'tsx', script], {
      cwd: ROOT,
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    let out = '';
    let err = '';
    child.stderr.on('data', (c: Buffer) => {
      err += c.toString();
    });
    const line = await new Promise<string>((resolve, reject) => {
      child.stdout.on('data', (c: Buffer) => {
        out += c.toString();
        const nl = out.indexOf('\n');
        if (nl >= 0) {
          // Let the churn loop get going so the kill lands in the middle of a write.
          setTimeout(() => child.kill('SIGKILL'), 150);
          resolve(out.slice(0, nl));
        }
      });
      child.on('exit', (code) => reject(new Error(`child exited ${code} before reporting: ${err}`)));
    });
    await new Promise((r) => child.once('exit', r));
    expect(child.signalCode).toBe('SIGKILL');
    const [rec] = JSON.parse(line) as BackupRecord[];
    const backups = new Backups({ dataDir });
    expect(await backups.get(rec!.id)).toEqual(rec);
    const blob = await readFile(path.join(dataDir, 'backups/blobs', rec!.hash!));
    expect(blob.toString()).toBe(content);
    expect(hash(blob)).toBe(rec!.hash);
    // Every record that exists, including any the kill interrupted, is whole and so is its blob.
    const all = await backups.list();
    expect(all.length).toBeGreaterThanOrEqual(1);
    for (const r of all) {
      const b = await readFile(path.join(dataDir, 'backups/blobs', r.hash!));
      expect(b.length).toBe(r.size);
      expect(hash(b)).toBe(r.hash);
    }
    await writeFile(file, 'broken: [\n');
    await backups.restore(rec!.id);
    expect(await readFile(file, 'utf8')).toBe(content);
  });
});
