/**
 * The CLI beside a running daemon: `medic token create|revoke` while another process writes to the store
 * (they wait for the write lock and write their audit entry in the same transaction as the change), and the
 * start message of a daemon bound to every interface names that address.
 */
import { type ChildProcess, spawn } from 'node:child_process';
import { writeFile } from 'node:fs/promises';
import path from 'node:path';
import Database from 'better-sqlite3';
import { afterEach, describe, expect, it } from 'vitest';
import { openSqliteStore } from '../src/store/index.js';
import { CLI, freePort, ROOT, tempDir, waitFor } from './helpers.js';
import { stop } from './incidents-helpers.js';
import { medicCli } from './operator-helpers.js';

const children: ChildProcess[] = [];
afterEach(async () => {
  for (const c of children.splice(0)) await stop(c);
});

function spawnKept(args: string[]): ChildProcess & { output(): string } {
  const child = spawn(process.execPath, args, { cwd: ROOT, stdio: ['ignore', 'pipe', 'pipe'] });
  let out = '';
  child.stdout?.on('data', (c: Buffer) => {
    out += c.toString();
  });
  child.stderr?.on('data', (c: Buffer) => {
    out += c.toString();
  });
  children.push(child);
  return Object.assign(child, { output: () => out });
}

describe('the CLI beside a running daemon', () => {
  it('says where the API is bound, and manages tokens while the store is busy, auditing each', async () => {
    const dir = await tempDir();
    const port = await freePort();
    const file = path.join(dir, 'medic.yaml');
    await writeFile(
      file,
      `services:
  web:
    checks:
      - command: { command: [${JSON.stringify(process.execPath)}, -e, "0"] }
        interval: 1s
        timeout: 1s
notifiers: []
server: { host: 127.0.0.1, port: ${port} }
store: { dir: ./data }
`,
    );
    const made = await medicCli(['token', 'create', '--name', 'root', '--role', 'admin', '-c', file]);
    expect(made.code, made.stderr).toBe(0);

    // With a token, --host 0.0.0.0 binds every interface: the start message must say so, not 127.0.0.1.
    const daemon = spawnKept(['--import', 'tsx', CLI, 'run', '--config', file, '--host', '0.0.0.0']);
    const started = await waitFor(
      'the start message',
      () => /Medic is watching[^\n]*/.exec(daemon.output())?.[0],
      30_000,
    );
    expect(started).toContain(`API on http://0.0.0.0:${port}`);
    expect(started).not.toContain(`API on http://127.0.0.1:${port}`);

    // Another writer holds the database's write lock most of the time, as a busy daemon may.
    const writer = spawnKept([
      path.join(ROOT, 'test/operator-busy-writer.fixture.mjs'),
      path.join(dir, 'data/medic.db'),
      '150',
      '40',
    ]);
    await waitFor('the busy writer', () => writer.output().includes('holding'), 10_000);
    const names = ['ci-1', 'ci-2'];
    for (const name of names) {
      const c = await medicCli(['token', 'create', '--name', name, '--role', 'viewer', '-c', file]);
      expect(c.stderr).not.toContain('database is locked');
      expect(c.code, c.stderr).toBe(0);
      const r = await medicCli(['token', 'revoke', name, '-c', file]);
      expect(r.stderr).not.toContain('database is locked');
      expect(r.code, r.stderr).toBe(0);
    }
    await stop(writer);

    // The revoke and its audit entry are one: when the entry cannot be written (here a trigger refuses it),
    // the token is not revoked either, and the CLI says it failed.
    const db = new Database(path.join(dir, 'data/medic.db'), { timeout: 10_000 });
    const refuse = `CREATE TRIGGER refuse_revoked BEFORE INSERT ON audit_log WHEN NEW.event = 'token.revoked'
      BEGIN SELECT RAISE(ABORT, 'audit refused'); END`;
    db.exec(refuse);
    const kept = await medicCli(['token', 'create', '--name', 'kept', '--role', 'viewer', '-c', file]);
    expect(kept.code, kept.stderr).toBe(0);
    const refused = await medicCli(['token', 'revoke', 'kept', '-c', file]);
    expect(refused.code).not.toBe(0);
    expect(refused.stderr).toContain('audit refused');
    const live = db.prepare(`SELECT revoked_at FROM api_tokens WHERE name = 'kept'`).get() as {
      revoked_at: number | null;
    };
    expect(live.revoked_at).toBeNull();
    db.exec('DROP TRIGGER refuse_revoked');
    db.close();
    const again = await medicCli(['token', 'revoke', 'kept', '-c', file]);
    expect(again.code, again.stderr).toBe(0);
    names.push('kept');
    await stop(daemon);

    const store = await openSqliteStore({ dir: path.join(dir, 'data') });
    try {
      const audit = await store.listAudit({ limit: 500 });
      for (const name of names) {
        expect(audit.filter((e) => e.event === 'token.created' && e.subject === name)).toHaveLength(1);
        expect(audit.filter((e) => e.event === 'token.revoked' && e.subject === name)).toHaveLength(1);
      }
      expect((await store.verifyAudit()).ok).toBe(true);
    } finally {
      await store.close();
    }
  }, 120_000);
});
