/** Row shape of the bans table (migration 008), merged into StoreSchema as the outbox's is. */

export interface BansTable {
  id: string;
  address: string;
  at: number;
}

declare module './schema.js' {
  interface StoreSchema {
    bans: BansTable;
  }
}
