import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { StoreError } from '../core/index.js';
import { describeStore, openStore, parseStoreUrl, redactUrl, resolveStoreSpec } from './open.js';
import { SqliteStore } from './sqlite.js';

describe('parseStoreUrl', () => {
  it('reads SQLite directories and PostgreSQL URLs', () => {
    expect(parseStoreUrl('sqlite:/var/lib/medic')).toEqual({ kind: 'sqlite', dir: '/var/lib/medic' });
    expect(parseStoreUrl('sqlite:///var/lib/medic')).toEqual({ kind: 'sqlite', dir: '/var/lib/medic' });
    expect(parseStoreUrl('sqlite:./state', '/srv/app')).toEqual({ kind: 'sqlite', dir: '/srv/app/state' });
    expect(parseStoreUrl('sqlite::memory:')).toEqual({ kind: 'sqlite', dir: ':memory:' });
    expect(parseStoreUrl('postgres://u:p@db:5432/medic')).toEqual({
      kind: 'postgres',
      url: 'postgres://u:p@db:5432/medic',
    });
    expect(parseStoreUrl('postgresql://db/medic').kind).toBe('postgres');
  });

  it('refuses anything else without echoing a password', () => {
    expect(() => parseStoreUrl('mysql://u:secret@db/medic')).toThrow(StoreError);
    expect(() => parseStoreUrl('mysql://u:secret@db/medic')).not.toThrow(/secret/);
    expect(() => parseStoreUrl('sqlite:')).toThrow(StoreError);
  });
});

describe('resolveStoreSpec', () => {
  it('prefers MEDIC_STORE_URL, then store.postgres, then store.dir', () => {
    const section = { dir: '/data', postgres: 'postgres://cfg/medic' };
    expect(resolveStoreSpec(section, { MEDIC_STORE_URL: 'postgres://env/medic' })).toEqual({
      kind: 'postgres',
      url: 'postgres://env/medic',
    });
    expect(resolveStoreSpec(section, {})).toEqual({ kind: 'postgres', url: 'postgres://cfg/medic' });
    expect(resolveStoreSpec({ dir: '/data' }, { MEDIC_STORE_URL: ' ' })).toEqual({
      kind: 'sqlite',
      dir: '/data',
    });
    expect(() => resolveStoreSpec({}, {})).toThrow(/MEDIC_STORE_URL/);
  });
});

describe('redactUrl', () => {
  it('hides the password only', () => {
    expect(redactUrl('postgres://medic:s3cr%40t@db:5432/medic')).toBe('postgres://medic:***@db:5432/medic');
    expect(redactUrl('postgres://db/medic')).toBe('postgres://db/medic');
    expect(describeStore({ kind: 'postgres', url: 'postgres://a:b@h/d' })).toBe('postgres://a:***@h/d');
  });
});

describe('openStore', () => {
  it('opens SQLite from a spec or a URL', async () => {
    const dir = await mkdtemp(join(tmpdir(), 'medic-open-'));
    try {
      const store = await openStore(`sqlite:${dir}`);
      expect(store).toBeInstanceOf(SqliteStore);
      await store.audit({ at: 1, actor: 'a', event: 'e', subject: 's' });
      await store.close();
      const again = await openStore({ kind: 'sqlite', dir });
      expect((await again.verifyAudit()).entries).toBe(1);
      await again.close();
    } finally {
      await rm(dir, { recursive: true, force: true });
    }
  });
});
