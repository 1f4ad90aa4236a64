import os from 'node:os';
import path from 'node:path';
import type { Command } from 'commander';
import type { Kysely } from 'kysely';
import { ROLES, type Role, type TokenStore, tokenStoreOf } from '../../api/tokens.js';
import { loadConfig } from '../../config/index.js';
import { parseDuration } from '../../core/index.js';
import {
  type AuditInput,
  type KyselyStore,
  openStore,
  resolveStoreSpec,
  type StoreSchema,
  type StoreSection,
} from '../../store/index.js';
import { ago, table } from '../table.js';

interface StoreOpts {
  config?: string;
  dataDir?: string;
}

/** The store the daemon of this config uses (MEDIC_STORE_URL wins, as for `medic run`). */
async function withTokens<T>(
  opts: StoreOpts,
  fn: (tokens: TokenStore, store: KyselyStore) => Promise<T>,
): Promise<T> {
  let section: StoreSection = {};
  if (opts.config) {
    const loaded = await loadConfig(opts.config);
    const store = loaded.config.store as StoreSection;
    section = { ...store, dir: path.resolve(loaded.baseDir, opts.dataDir ?? store.dir ?? './.medic') };
  } else if (opts.dataDir) {
    section = { dir: path.resolve(opts.dataDir) };
  }
  const store = await openStore(resolveStoreSpec(section));
  try {
    return await fn(tokenStoreOf(store), store);
  } finally {
    await store.close();
  }
}

/**
 * A token change and its audit entry, in one transaction that writes first (KyselyStore.auditedWrite): beside
 * a running daemon it waits for the database instead of failing with "database is locked", and a token is
 * never changed without its entry in the audit log.
 */
function audited<R>(
  store: KyselyStore,
  change: (trx: Kysely<StoreSchema>) => Promise<R>,
  entry: (r: R) => Omit<AuditInput, 'at' | 'actor'> | null,
): Promise<R> {
  return store.auditedWrite(async (trx) => {
    const result = await change(trx);
    const e = entry(result);
    return { result, audit: e && { at: Date.now(), actor: `cli:${os.userInfo().username}`, ...e } };
  });
}

/** `in 30d`, `expired 2h ago`, or `never`. */
function expiry(at: number | null, now: number): string {
  if (at === null) return 'never';
  if (at <= now) return `expired ${ago(at, now)}`;
  return `in ${ago(now, at).replace(/ ago$/, '')}`;
}

const storeOptions = (cmd: Command) =>
  cmd
    .option('-c, --config <file>', 'medic.yaml (its store keeps the tokens)')
    .option('--data-dir <dir>', 'data directory (overrides store.dir)');

/** `medic token create|list|revoke`: API tokens with roles viewer, ingest, operator, admin, and an expiry. */
export function registerToken(program: Command): void {
  const cmd = program.command('token').description('API tokens: create (printed once), list, revoke');

  storeOptions(cmd.command('create'))
    .description('create an API token; it is printed once and only its salted hash is stored')
    .requiredOption('--name <name>', 'who or what uses it (written in the audit log)')
    .requiredOption('--role <role>', `one of ${ROLES.join(', ')}`)
    .option('--expires <duration>', 'refused after this long: 30d, 12h, 90m (default: never)')
    .action(async (opts: StoreOpts & { name: string; role: string; expires?: string }) => {
      if (!ROLES.includes(opts.role as Role))
        throw new Error(`--role must be one of ${ROLES.join(', ')}, not ${opts.role}`);
      let expiresAt: number | null = null;
      if (opts.expires !== undefined) {
        const ms = parseDuration(opts.expires);
        if (ms <= 0) throw new Error(`--expires must be a positive duration, not ${opts.expires}`);
        expiresAt = Date.now() + ms;
      }
      const { token, info } = await withTokens(opts, (t, store) =>
        audited(
          store,
          (trx) => t.createIn(trx, opts.name, opts.role as Role, { expiresAt }),
          (made) => ({
            event: 'token.created',
            subject: made.info.name,
            data: { id: made.info.id, role: made.info.role, expiresAt: made.info.expiresAt },
          }),
        ),
      );
      const until = info.expiresAt === null ? '' : `, expires ${new Date(info.expiresAt).toISOString()}`;
      console.error(
        `created ${info.role} token "${info.name}" (id ${info.id}${until}); it is shown this once:`,
      );
      console.log(token);
    });

  storeOptions(cmd.command('list'))
    .description('list tokens (never the tokens themselves)')
    .action(async (opts: StoreOpts) => {
      const items = await withTokens(opts, (t) => t.list());
      const now = Date.now();
      console.log(
        table(
          ['ID', 'NAME', 'ROLE', 'CREATED', 'LAST USED', 'REVOKED', 'EXPIRES'],
          items.map((i) => [
            i.id,
            i.name,
            i.role,
            ago(i.createdAt, now),
            i.lastUsedAt ? ago(i.lastUsedAt, now) : null,
            i.revokedAt ? ago(i.revokedAt, now) : null,
            expiry(i.expiresAt, now),
          ]),
        ),
      );
    });

  storeOptions(cmd.command('revoke <id-or-name>'))
    .description('revoke a token at once')
    .action(async (which: string, opts: StoreOpts) => {
      const done = await withTokens(opts, (t, store) =>
        audited(
          store,
          (trx) => t.revokeIn(trx, which),
          (ok) => (ok ? { event: 'token.revoked', subject: which } : null),
        ),
      );
      if (!done) throw new Error(`no live token ${which}`);
      console.log(`revoked ${which}`);
    });
}
