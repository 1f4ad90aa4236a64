export * from './audit-chain.js';
export * from './copy.js';
export * from './kysely-store.js';
export {
  CHUNK_LINES,
  chunkBodyText,
  LogChunkBuilder,
  type LogChunkRow,
} from './log-chunk.js';
export { isSqlite } from './migrations/helpers.js';
export { migrationProvider, migrations } from './migrations/index.js';
export * from './open.js';
export * from './postgres.js';
export type { StoreSchema } from './schema.js';
export * from './sqlite.js';
export type * from './store.js';
