/** Row shape of the audit checkpoints (migration 009), merged into StoreSchema as the outbox's is. */

export interface AuditCheckpointsTable {
  seq: number;
  hash: string;
  verified_at: number;
}

declare module './schema.js' {
  interface StoreSchema {
    audit_checkpoints: AuditCheckpointsTable;
  }
}
