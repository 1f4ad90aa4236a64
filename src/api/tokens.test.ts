import { afterEach, describe, expect, it } from 'vitest';
import type { KyselyStore } from '../store/index.js';
import { sharedPostgres } from '../store/pg.fixture.js';
import { openPostgresStore } from '../store/postgres.js';
import { openSqliteStore } from '../store/sqlite.js';
import { TokenStore, tokenStoreOf } from './tokens.js';

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

describe.each(Object.keys(stores))('token expiry on %s', (kind) => {
  it('refuses a token from its expiry on, with the reason, also when it was cached as valid', async () => {
    const store = await stores[kind]!();
    open.push(store);
    let now = 1_700_000_000_000;
    const tokens = new TokenStore(store.db, () => now);
    const { token, info } = await tokens.create('ci-bot', 'operator', { expiresAt: now + 60_000 });
    expect(info.expiresAt).toBe(now + 60_000);
    expect((await tokens.authenticate(token)).info?.name).toBe('ci-bot'); // now cached for 5 s
    now += 59_999;
    expect((await tokens.authenticate(token)).info?.name).toBe('ci-bot');
    now += 1;
    const refused = await tokens.authenticate(token);
    expect(refused.info).toBeNull();
    expect(refused.reason).toBe('token ci-bot expired at 2023-11-14T22:14:20.000Z');
    expect(await tokens.verify(token)).toBeNull();
    // A wrong secret of the same id learns nothing about expiry.
    const forged = `${token.slice(0, 19)}${'A'.repeat(43)}`;
    expect(await tokens.authenticate(forged)).toEqual({ info: null, reason: 'unknown or revoked token' });
    // Listed with its expiry; still counts as configured (expiry locks the API, never opens it).
    expect((await tokens.list()).map((t) => [t.name, t.expiresAt])).toEqual([['ci-bot', now]]);
    expect(await tokens.any()).toBe(true);
    // Its name is free again for the replacement; a token that never expires has expiresAt null.
    const next = await tokens.create('ci-bot', 'operator');
    expect(next.info.expiresAt).toBeNull();
    expect((await tokens.authenticate(next.token)).info?.name).toBe('ci-bot');
  });

  it('refuses an expiry in the past, and keeps an unexpired admin when an expired one is revoked', async () => {
    const store = await stores[kind]!();
    open.push(store);
    let now = 1_700_000_000_000;
    const tokens = new TokenStore(store.db, () => now);
    await expect(tokens.create('late', 'viewer', { expiresAt: now })).rejects.toThrow(/in the future/);
    await tokens.create('old-admin', 'admin', { expiresAt: now + 1000 });
    await tokens.create('admin', 'admin');
    now += 1000;
    // The expired admin goes; the last usable one is refused beyond loopback.
    expect(await tokens.revoke('old-admin', { keepAnAdmin: true })).toBe(true);
    await expect(tokens.revoke('admin', { keepAnAdmin: true })).rejects.toThrow(/last admin token/);
  });
});
