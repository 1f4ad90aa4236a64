import type { Command } from 'commander';
import { Migrator } from 'kysely';
import { copyStore } from '../../store/copy.js';
import { migrationProvider } from '../../store/migrations/index.js';
import { describeStore, openStore, parseStoreUrl, STORE_URL_ENV } from '../../store/open.js';

/** `medic store migrate` and `medic store copy`: the store's schema and moving an installation. */
export function registerStore(program: Command): void {
  const cmd = program
    .command('store')
    .description('migrate the store, or copy an installation to another store');

  cmd
    .command('migrate')
    .description(`bring a store's schema up to date (replicas also do this when they start)`)
    .option('--url <url>', `sqlite:/path/to/dir or postgres://user@host/db (default $${STORE_URL_ENV})`)
    .action(async (opts: { url?: string }) => {
      const url = opts.url ?? process.env[STORE_URL_ENV];
      if (!url) throw new Error(`give --url or set ${STORE_URL_ENV}`);
      const spec = parseStoreUrl(url);
      const store = await openStore(spec, { migrate: false });
      try {
        const before = await new Migrator({ db: store.db, provider: migrationProvider }).getMigrations();
        await store.migrate();
        console.log(`${describeStore(spec)}: schema up to date`);
        for (const m of before)
          console.log(`  ${m.name}  ${m.executedAt ? 'applied before' : 'applied now'}`);
      } finally {
        await store.close();
      }
    });

  cmd
    .command('copy')
    .description(
      'copy every incident, action, journal, outcome, probe result and the audit log to an empty store',
    )
    .requiredOption('--from <url>', 'source store: sqlite:/path/to/dir or postgres://...')
    .requiredOption('--to <url>', 'target store (migrated here; must be empty): postgres://... or sqlite:...')
    .option('--batch-size <n>', 'rows per batch', '500')
    .action(async (opts: { from: string; to: string; batchSize: string }) => {
      const fromSpec = parseStoreUrl(opts.from);
      const toSpec = parseStoreUrl(opts.to);
      const from = await openStore(fromSpec);
      try {
        const to = await openStore(toSpec);
        try {
          const report = await copyStore(from, to, { batchSize: Number(opts.batchSize) || 500 });
          console.log(`copied ${describeStore(fromSpec)} → ${describeStore(toSpec)}`);
          for (const [table, n] of Object.entries(report.rows)) console.log(`  ${table.padEnd(18)} ${n}`);
          const a = report.audit;
          console.log(
            a.ok
              ? `  audit chain verified: ${a.entries} entries`
              : `  audit chain copied as it was: BROKEN at seq ${a.brokenAt} (${a.entries} entries)`,
          );
        } finally {
          await to.close();
        }
      } finally {
        await from.close();
      }
    });
}
