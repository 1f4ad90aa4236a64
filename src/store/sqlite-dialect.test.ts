import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import Database from 'better-sqlite3';
import { Kysely, sql } from 'kysely';
import { afterEach, describe, expect, it } from 'vitest';
import { connectionPragmas, ImmediateSqliteDialect } from './sqlite-dialect.js';

const dirs: string[] = [];
afterEach(async () => {
  for (const d of dirs.splice(0)) await rm(d, { recursive: true, force: true });
});

async function file(): Promise<string> {
  const dir = await mkdtemp(join(tmpdir(), 'medic-dialect-'));
  dirs.push(dir);
  const path = join(dir, 'x.db');
  const db = new Database(path);
  db.pragma('journal_mode = WAL');
  db.exec('create table t (n integer not null)');
  db.exec('insert into t values (0)');
  db.close();
  return path;
}

function kysely(path: string, opts: Database.Options = {}): { db: Kysely<unknown>; raw: Database.Database } {
  const raw = new Database(path, opts);
  connectionPragmas(raw, 0);
  return { db: new Kysely<unknown>({ dialect: new ImmediateSqliteDialect({ database: raw }) }), raw };
}

describe('ImmediateSqliteDialect', () => {
  it('a transaction that reads and then writes is not failed by another connection committing in between', async () => {
    const path = await file();
    const { db } = kysely(path);
    const other = new Database(path, { timeout: 0 });
    try {
      await db.transaction().execute(async (trx) => {
        const row = await sql<{ n: number }>`select n from t`.execute(trx);
        // Deferred, the other connection's commit here would leave this snapshot stale: the update below
        // would fail with SQLITE_BUSY at once. Immediate, the other connection cannot write until this ends.
        expect(() => other.exec('update t set n = n + 100')).toThrow(/locked|busy/i);
        await sql`update t set n = ${(row.rows[0]?.n ?? 0) + 1}`.execute(trx);
      });
      other.exec('update t set n = n + 100');
      expect(other.prepare('select n from t').pluck().get()).toBe(101);
    } finally {
      other.close();
      await db.destroy();
    }
  });

  it('reads in a transaction on a read-only connection', async () => {
    const path = await file();
    const { db } = kysely(path, { readonly: true });
    try {
      const n = await db
        .transaction()
        .execute(async (trx) => (await sql<{ n: number }>`select n from t`.execute(trx)).rows[0]?.n);
      expect(n).toBe(0);
    } finally {
      await db.destroy();
    }
  });
});
