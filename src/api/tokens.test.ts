import { afterEach, describe, expect, it } from 'vitest';
import type { KyselyStore } from '../store/index.js';
import { sharedPostgres } from '../store/pg.fixture.js';
import { openPostgresStore } from '../store/postgres.js';
import { openSqliteStore } from '../store/sqlite.js';
import { tokenStoreOf } from './tokens.js';

const pg = sharedPostgres();
const stores: Record<string, () => Promise<KyselyStore>> = {
  sqlite: () => openSqliteStore({ dir: ':memory:' }),
  postgres: async () => openPostgresStore({ url: await pg().createDatabase() }),
};

const open: KyselyStore[] = [];
afterEach(async () => {
  for (const s of open.splice(0)) await s.close();
});

describe.each(Object.keys(stores))('token revocation on %s', (kind) => {
  it('revocations at once never remove the last admin token (beyond loopback)', async () => {
    const store = await stores[kind]!();
    open.push(store);
    const tokens = tokenStoreOf(store);
    // Several rounds: the race this guards against need not show on the first try.
    for (let round = 0; round < 10; round++) {
      const names = [`a${round}-1`, `a${round}-2`, `a${round}-3`];
      for (const n of names) await tokens.create(n, 'admin');
      const results = await Promise.allSettled(names.map((n) => tokens.revoke(n, { keepAnAdmin: true })));
      const done = results.filter((r) => r.status === 'fulfilled' && r.value).length;
      const refused = results.filter(
        (r) => r.status === 'rejected' && /last admin token/.test(String(r.reason)),
      ).length;
      expect({ round, done, refused }).toEqual({ round, done: 2, refused: 1 });
      const live = (await tokens.list()).filter((t) => t.role === 'admin' && t.revokedAt === null);
      expect(live).toHaveLength(1);
      await tokens.revoke(live[0]!.id); // without keepAnAdmin, as `medic token revoke` does
    }
  });
});
