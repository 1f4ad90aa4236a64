import { Migrator } from 'kysely';
import { afterEach, describe, expect, it } from 'vitest';
import { T0 } from './contract/fixtures.js';
import { actionFixture } from './contract.js';
import { migrationProvider } from './migrations/index.js';
import { openSqliteStore, type SqliteStore } from './sqlite.js';

let store: SqliteStore | null = null;
afterEach(async () => {
  await store?.close();
  store = null;
});

describe('migration 008: bans', () => {
  it('copies in the bans journaled before it (applied blocks only), so escalation survives the upgrade', async () => {
    const s = await openSqliteStore({ dir: ':memory:', migrate: false });
    store = s;
    const migrator = new Migrator({ db: s.db, provider: migrationProvider });
    expect((await migrator.migrateTo('007_notification_outbox')).error).toBeUndefined();
    const block = (id: string, address: string) =>
      actionFixture({ id, incidentId: null, kind: 'block', params: { address, set: 'banned4' } });
    for (const a of [block('a1', '192.0.2.9'), block('a2', '192.0.2.9'), block('a3', '192.0.2.10')])
      await s.createAction(a, 'planned');
    await s.updateAction('a1', 'applied', 'banned', T0 + 1_000);
    await s.updateAction('a1', 'failed', 'verification failed', T0 + 2_000); // applied first: a ban
    await s.updateAction('a2', 'failed', 'nft missing', T0 + 1_000); // never applied: none
    await s.updateAction('a3', 'applied', 'banned', T0 + 1_000);
    await s.migrate();
    expect(await s.countBans('192.0.2.9', T0)).toBe(1);
    expect(await s.countBans('192.0.2.9', T0 + 1_001)).toBe(0);
    expect(await s.countBans('192.0.2.10', 0)).toBe(1);
  });
});
