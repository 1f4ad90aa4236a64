/**
 * Picks the store from a spec: a directory means SQLite (the embedded default), a `postgres://` URL means
 * PostgreSQL (shared by replicas). MEDIC_STORE_URL, when set, wins over the config file, so one config can be
 * deployed against different databases.
 */
import { resolve } from 'node:path';
import { type Clock, StoreError } from '../core/index.js';
import type { KyselyStore } from './kysely-store.js';
import { openPostgresStore } from './postgres.js';
import { openSqliteStore } from './sqlite.js';

export type StoreSpec = { kind: 'sqlite'; dir: string; file?: string } | { kind: 'postgres'; url: string };

export const STORE_URL_ENV = 'MEDIC_STORE_URL';

/**
 * `sqlite:/abs/dir`, `sqlite:./rel/dir`, `sqlite::memory:`, `postgres://…` or `postgresql://…`. A relative
 * SQLite directory is resolved against `cwd`.
 */
export function parseStoreUrl(url: string, cwd = process.cwd()): StoreSpec {
  const s = url.trim();
  if (/^postgres(ql)?:\/\//i.test(s)) return { kind: 'postgres', url: s };
  const m = /^sqlite:(?:\/\/(?=\/))?(.+)$/i.exec(s);
  if (m?.[1]) {
    const dir = m[1];
    return { kind: 'sqlite', dir: dir === ':memory:' ? dir : resolve(cwd, dir) };
  }
  throw new StoreError(
    `unknown store URL "${redactUrl(s)}" (use sqlite:/path/to/dir or postgres://user@host/db)`,
  );
}

/** The config file's store section, as the schema may grow it: `{ dir }` or `{ postgres: URL }`. */
export interface StoreSection {
  dir?: string;
  postgres?: string;
}

/**
 * Decides which store a daemon or CLI opens: env MEDIC_STORE_URL, else the config's `postgres`, else its
 * `dir` (already resolved by the caller against the config file's folder).
 */
export function resolveStoreSpec(section: StoreSection, env: NodeJS.ProcessEnv = process.env): StoreSpec {
  const fromEnv = env[STORE_URL_ENV]?.trim();
  if (fromEnv) return parseStoreUrl(fromEnv);
  if (section.postgres) return parseStoreUrl(section.postgres);
  if (section.dir) return { kind: 'sqlite', dir: section.dir };
  throw new StoreError(`no store configured: set store.dir, store.postgres or ${STORE_URL_ENV}`);
}

export interface OpenStoreOptions {
  clock?: Clock;
  /** PostgreSQL pool size; default 10. */
  poolSize?: number;
  /** Shown in pg_stat_activity (PostgreSQL only). */
  applicationName?: string;
  /** Bring the schema up to date on open; default true. */
  migrate?: boolean;
  /** SQLite only: told once when the log writer thread fails (log writes go on the store's connection). */
  onLogWriterError?: (err: Error) => void;
}

/** Opens and migrates the store a spec (or a store URL) names. */
export async function openStore(spec: StoreSpec | string, opts: OpenStoreOptions = {}): Promise<KyselyStore> {
  const s = typeof spec === 'string' ? parseStoreUrl(spec) : spec;
  if (s.kind === 'postgres') {
    return openPostgresStore({
      url: s.url,
      migrate: opts.migrate ?? true,
      ...(opts.clock ? { clock: opts.clock } : {}),
      ...(opts.poolSize ? { poolSize: opts.poolSize } : {}),
      ...(opts.applicationName ? { applicationName: opts.applicationName } : {}),
    });
  }
  return openSqliteStore({
    dir: s.dir,
    migrate: opts.migrate ?? true,
    ...(s.file ? { file: s.file } : {}),
    ...(opts.clock ? { clock: opts.clock } : {}),
    ...(opts.onLogWriterError ? { onLogWriterError: opts.onLogWriterError } : {}),
  });
}

/** A store URL fit to print: the password replaced by `***`. */
export function redactUrl(url: string): string {
  return url.replace(/^([a-z]+:\/\/[^:/@]*:)[^@]*@/i, '$1***@');
}

/** How to name a spec in messages, without secrets. */
export function describeStore(spec: StoreSpec): string {
  return spec.kind === 'postgres' ? redactUrl(spec.url) : `sqlite:${spec.dir}`;
}
