/**
 * Every migration, in order, for a Kysely Migrator with a static provider: no filesystem scan, so it works
 * the same from tsx, from the compiled dist/ and from a bundle. Add a migration: one new file, one line here.
 */
import type { Migration, MigrationProvider } from 'kysely';
import * as m001 from './001_initial.js';
import * as m002 from './002_cluster.js';
import * as m003 from './003_auth.js';
import * as m004 from './004_healing.js';
import * as m005 from './005_telemetry.js';
import * as m006 from './006_outcome_drill.js';
import * as m007 from './007_notification_outbox.js';
import * as m008 from './008_bans.js';
import * as m009 from './009_audit_checkpoints.js';
import * as m010 from './010_token_expiry.js';
import * as m011 from './011_ci_history.js';

export const migrations: Record<string, Migration> = {
  '001_initial': m001,
  '002_cluster': m002,
  '003_auth': m003,
  '004_healing': m004,
  '005_telemetry': m005,
  '006_outcome_drill': m006,
  '007_notification_outbox': m007,
  '008_bans': m008,
  '009_audit_checkpoints': m009,
  '010_token_expiry': m010,
  '011_ci_history': m011,
};

export const migrationProvider: MigrationProvider = {
  getMigrations: async () => migrations,
};
