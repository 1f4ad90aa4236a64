import os from 'node:os';
import path from 'node:path';
import type { Command } from 'commander';
import { ROLES, type Role, tokenStoreOf } from '../../api/tokens.js';
import { loadConfig } from '../../config/index.js';
import { openStore, resolveStoreSpec, type Store, type StoreSection } from '../../store/index.js';
import { ago, table } from '../table.js';

interface StoreOpts {
  config?: string;
  dataDir?: string;
}

/** The store the daemon of this config uses (MEDIC_STORE_URL wins, as for `medic run`). */
async function withTokens<T>(
  opts: StoreOpts,
  fn: (tokens: ReturnType<typeof tokenStoreOf>, store: Store) => Promise<T>,
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

const storeOptions = (cmd: Command) =>
  cmd
    .option('-c, --config <file>', 'medic.yaml (its store keeps the tokens)')
    .option('--data-dir <dir>', 'data directory (overrides store.dir)');

/** `medic token create|list|revoke`: API tokens with roles viewer, operator, admin. */
export function registerToken(program: Command): void {
  const cmd = program.command('token').description('API tokens: create (printed once), list, revoke');

  storeOptions(cmd.command('create'))
    .description('create an API token; it is printed once and only its salted hash is stored')
    .requiredOption('--name <name>', 'who or what uses it (written in the audit log)')
    .requiredOption('--role <role>', `one of ${ROLES.join(', ')}`)
    .action(async (opts: StoreOpts & { name: string; role: string }) => {
      if (!ROLES.includes(opts.role as Role))
        throw new Error(`--role must be one of ${ROLES.join(', ')}, not ${opts.role}`);
      const { token, info } = await withTokens(opts, async (t, store) => {
        const made = await t.create(opts.name, opts.role as Role);
        await store.audit({
          at: Date.now(),
          actor: `cli:${os.userInfo().username}`,
          event: 'token.created',
          subject: made.info.name,
          data: { id: made.info.id, role: made.info.role },
        });
        return made;
      });
      console.error(`created ${info.role} token "${info.name}" (id ${info.id}); it is shown this once:`);
      console.log(token);
    });

  storeOptions(cmd.command('list'))
    .description('list tokens (never the tokens themselves)')
    .action(async (opts: StoreOpts) => {
      const items = await withTokens(opts, (t) => t.list());
      console.log(
        table(
          ['ID', 'NAME', 'ROLE', 'CREATED', 'LAST USED', 'REVOKED'],
          items.map((i) => [
            i.id,
            i.name,
            i.role,
            ago(i.createdAt),
            i.lastUsedAt ? ago(i.lastUsedAt) : null,
            i.revokedAt ? ago(i.revokedAt) : null,
          ]),
        ),
      );
    });

  storeOptions(cmd.command('revoke <id-or-name>'))
    .description('revoke a token at once')
    .action(async (which: string, opts: StoreOpts) => {
      const done = await withTokens(opts, async (t, store) => {
        const ok = await t.revoke(which);
        if (ok)
          await store.audit({
            at: Date.now(),
            actor: `cli:${os.userInfo().username}`,
            event: 'token.revoked',
            subject: which,
          });
        return ok;
      });
      if (!done) throw new Error(`no live token ${which}`);
      console.log(`revoked ${which}`);
    });
}
