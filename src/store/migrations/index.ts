/**
 * Every migration, in order, for a Kysely Migrator with a static provider: no filesystem scan, so it works
 * the same from tsx, from the compiled dist/ and from a bundle. Add a migration: one new file, one line here.
 */
import type { Migration, MigrationProvider } from 'kysely';
import * as m001 from './001_initial.js';

export const migrations: Record<string, Migration> = {
  '001_initial': m001,
};

export const migrationProvider: MigrationProvider = {
  getMigrations: async () => migrations,
};
