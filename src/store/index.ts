export * from './audit-chain.js';
export * from './kysely-store.js';
export { migrationProvider, migrations } from './migrations/index.js';
export type { StoreSchema } from './schema.js';
export * from './sqlite.js';
export type * from './store.js';
