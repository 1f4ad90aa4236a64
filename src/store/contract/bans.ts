/** Contract: bans by address (the block action's memory of repeat offenders, migration 008). */
import { beforeEach, describe, expect, it } from 'vitest';
import type { Store } from '../store.js';
import { T0 } from './fixtures.js';

export function bansContract(current: () => Store): void {
  let store: Store;
  beforeEach(() => {
    store = current();
  });

  describe('bans', () => {
    it('counts the bans of one address since a time', async () => {
      await store.recordBan({ address: '192.0.2.9', at: T0 });
      await store.recordBan({ address: '192.0.2.9', at: T0 + 60_000 });
      await store.recordBan({ address: '2001:db8::9', at: T0 + 60_000 });
      expect(await store.countBans('192.0.2.9', T0)).toBe(2);
      expect(await store.countBans('192.0.2.9', T0 + 1)).toBe(1);
      expect(await store.countBans('192.0.2.9', T0 + 60_001)).toBe(0);
      expect(await store.countBans('2001:db8::9', 0)).toBe(1);
      expect(await store.countBans('192.0.2.10', 0)).toBe(0);
    });
  });
}
