import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { type Kysely, sql } from 'kysely';
import { afterEach, expect, it } from 'vitest';
import { readSnapshot } from './copy.js';
import type { StoreSchema } from './schema.js';
import { openSqliteStore, type SqliteStore } from './sqlite.js';

const open: SqliteStore[] = [];
let dir = '';
afterEach(async () => {
  for (const s of open.splice(0)) await s.close();
  if (dir) await rm(dir, { recursive: true, force: true });
});

const entries = async (db: Kysely<StoreSchema>) =>
  Number((await sql<{ n: number }>`select count(*) as n from audit_log`.execute(db)).rows[0]?.n);

it("a copy's read snapshot of a SQLite store lets another connection write meanwhile, and does not see it", async () => {
  dir = await mkdtemp(join(tmpdir(), 'medic-snapshot-'));
  const copying = await openSqliteStore({ dir });
  open.push(copying);
  // The daemon, still running on the same file: another connection.
  const daemon = await openSqliteStore({ dir });
  open.push(daemon);
  await daemon.audit({ at: 1, actor: 'medic', event: 'before', subject: 'store' });

  let during = -1;
  let wrote = 0;
  await readSnapshot(copying.db, async (src) => {
    const first = await entries(src);
    const t0 = Date.now();
    // Under a write lock held by the snapshot this would wait out the busy timeout and fail.
    await daemon.audit({ at: 2, actor: 'medic', event: 'during', subject: 'store' });
    wrote = Date.now() - t0;
    during = (await entries(src)) - first;
  });
  expect(wrote).toBeLessThan(1000);
  // The snapshot is one point in time: the write made during it is not in it.
  expect(during).toBe(0);
  expect(await entries(copying.db)).toBe(2);
});
