import { spawn } from 'node:child_process';
import { mkdtemp, rm, stat } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import Database from 'better-sqlite3';
import { sql } from 'kysely';
import { afterEach, describe, expect, it } from 'vitest';
import { seedAuditChain } from './audit-chain.fixture.js';
import { storeContract } from './contract.js';
import { openSqliteStore, type SqliteStore } from './sqlite.js';

const here = fileURLToPath(new URL('.', import.meta.url));
const projectRoot = join(here, '..', '..');

const dirs: string[] = [];
async function tempDir(): Promise<string> {
  const dir = await mkdtemp(join(tmpdir(), 'medic-store-'));
  dirs.push(dir);
  return dir;
}
async function removeDirs(): Promise<void> {
  for (const dir of dirs.splice(0)) await rm(dir, { recursive: true, force: true });
}

storeContract('sqlite', async () => openSqliteStore({ dir: await tempDir() }), removeDirs);

storeContract('sqlite in memory', () => openSqliteStore({ dir: ':memory:' }));

describe('SqliteStore', () => {
  const open: SqliteStore[] = [];
  afterEach(async () => {
    for (const s of open.splice(0)) await s.close();
    await removeDirs();
  });

  async function openIn(dir: string, file?: string): Promise<SqliteStore> {
    const s = await openSqliteStore(file ? { dir, file } : { dir });
    open.push(s);
    return s;
  }

  it('creates the directory and the file, in WAL mode, with the schema', async () => {
    const dir = join(await tempDir(), 'nested', 'state');
    const s = await openIn(dir, 'custom.db');
    expect(s.path).toBe(join(dir, 'custom.db'));
    expect((await stat(s.path)).isFile()).toBe(true);
    const raw = new Database(s.path, { readonly: true });
    try {
      expect(raw.pragma('journal_mode', { simple: true })).toBe('wal');
      const tables = raw
        .prepare("select name from sqlite_master where type = 'table' order by name")
        .pluck()
        .all() as string[];
      expect(tables).toEqual(
        expect.arrayContaining([
          'probe_results',
          'findings',
          'incidents',
          'incident_timeline',
          'actions',
          'action_journal',
          'guard_state',
          'outcomes',
          'audit_log',
        ]),
      );
    } finally {
      raw.close();
    }
  });

  it('reopens the same database: migrations are idempotent and data is kept', async () => {
    const dir = await tempDir();
    const first = await openIn(dir);
    await first.audit({ at: 1, actor: 'medic', event: 'start', subject: 'medic' });
    await first.close();
    const second = await openIn(dir);
    await second.migrate();
    expect((await second.listAudit({})).map((e) => e.event)).toEqual(['start']);
    await second.audit({ at: 2, actor: 'medic', event: 'restart', subject: 'medic' });
    expect(await second.verifyAudit()).toEqual({ ok: true, entries: 2, brokenAt: null });
  });

  describe('audit tampering', () => {
    async function chainOf(n: number): Promise<{ store: SqliteStore; raw: Database.Database }> {
      const store = await openIn(await tempDir());
      for (let i = 1; i <= n; i++) {
        await store.audit({ at: i, actor: 'medic', event: 'e', subject: 'api', data: { i } });
      }
      const raw = new Database(store.path);
      return { store, raw };
    }

    it('verifies a store that refuses writes: the checkpoint is skipped, the verdict given', async () => {
      const store = await openIn(await tempDir());
      await seedAuditChain(store.db, 1_500);
      await sql`pragma query_only = 1`.execute(store.db);
      expect(await store.verifyAudit()).toEqual({ ok: true, entries: 1_500, brokenAt: null });
      await sql`pragma query_only = 0`.execute(store.db);
      expect(await store.verifyAudit({ incremental: true })).toMatchObject({ from: 0, checked: 1_500 });
      expect(await store.verifyAudit({ incremental: true })).toMatchObject({ from: 1_000, checked: 500 });
    });

    it('detects a changed field at the changed entry', async () => {
      const { store, raw } = await chainOf(4);
      raw.prepare('update audit_log set data = ? where seq = 2').run(JSON.stringify({ i: 99 }));
      raw.close();
      expect(await store.verifyAudit()).toEqual({ ok: false, entries: 4, brokenAt: 2 });
    });

    it('detects a rewritten entry whose hash was recomputed, at the next entry', async () => {
      const { store, raw } = await chainOf(4);
      const row = raw.prepare('select * from audit_log where seq = 3').get() as { prev_hash: string };
      const { chainHash } = await import('./audit-chain.js');
      const forged = chainHash(row.prev_hash, {
        seq: 3,
        at: 3,
        actor: 'mallory',
        event: 'e',
        subject: 'api',
        data: { i: 3 },
      });
      raw.prepare("update audit_log set actor = 'mallory', hash = ? where seq = 3").run(forged);
      raw.close();
      expect(await store.verifyAudit()).toEqual({ ok: false, entries: 4, brokenAt: 4 });
    });

    it('detects a deleted entry and unreadable data', async () => {
      const { store, raw } = await chainOf(5);
      raw.prepare('delete from audit_log where seq = 3').run();
      expect(await store.verifyAudit()).toEqual({ ok: false, entries: 4, brokenAt: 4 });
      raw.prepare("update audit_log set data = 'not json' where seq = 2").run();
      raw.close();
      expect(await store.verifyAudit()).toMatchObject({ ok: false, brokenAt: 2 });
    });
  });

  it('keeps what was written when the process is killed with SIGKILL', async () => {
    const dir = await tempDir();
    const child = spawn(process.execPath, ['--import', 'tsx', join(here, 'durability.fixture.ts'), dir], {
      cwd: projectRoot,
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    let stderr = '';
    child.stderr.on('data', (d: Buffer) => {
      stderr += d.toString();
    });
    const exited = new Promise<NodeJS.Signals | null>((resolve) =>
      child.on('exit', (_code, signal) => resolve(signal)),
    );
    await new Promise<void>((resolve, reject) => {
      let out = '';
      child.stdout.on('data', (d: Buffer) => {
        out += d.toString();
        if (out.includes('written')) resolve();
      });
      child.on('exit', (code) => reject(new Error(`child exited (${code}) before writing: ${stderr}`)));
    });
    child.kill('SIGKILL');
    expect(await exited).toBe('SIGKILL');

    const s = await openIn(dir);
    expect(await s.getIncident('inc_durable')).toMatchObject({
      title: 'written before kill -9',
      state: 'open',
    });
    expect(await s.timeline('inc_durable')).toHaveLength(1);
    const audit = await s.listAudit({});
    expect(audit.map((e) => [e.seq, e.event])).toEqual([[1, 'durability.test']]);
    expect(await s.verifyAudit()).toEqual({ ok: true, entries: 1, brokenAt: null });
  });
});
