import path from 'node:path';
import type { Command } from 'commander';
import { timeArg } from '../../api/routes/reports.js';
import { loadConfig } from '../../config/index.js';
import {
  type Report,
  renderReportHtml,
  renderReportMarkdown,
  reportFromStore,
} from '../../incidents/index.js';
import { openStore, resolveStoreSpec } from '../../store/index.js';
import { api, apiUrl } from '../client.js';

interface Opts {
  config?: string;
  url?: string;
  since: string;
  until?: string;
  format: string;
  offline?: boolean;
}

/** `medic report`: from the running daemon's API, or (--offline) straight from the store of a config. */
export function registerReport(program: Command): void {
  program
    .command('report')
    .description('uptime, SLOs, MTTD, MTTR, heals without a human, false alarms, top causes, cost')
    .option('-c, --config <file>', 'medic.yaml (to find the API, or the store with --offline)')
    .option('--url <url>', 'API base URL')
    .option('--since <when>', 'a duration back from now (7d, 24h) or an ISO time', '7d')
    .option('--until <when>', 'an ISO time (default now)')
    .option('--format <fmt>', 'md, html or json', 'md')
    .option('--offline', 'read the store of --config directly (no daemon needed)')
    .action(async (opts: Opts) => {
      if (!['md', 'html', 'json'].includes(opts.format)) throw new Error(`--format: md, html or json`);
      let report: Report;
      if (opts.offline) {
        if (!opts.config) throw new Error('--offline needs --config');
        const loaded = await loadConfig(opts.config);
        const store = await openStore(
          resolveStoreSpec({
            dir: path.resolve(loaded.baseDir, loaded.config.store.dir),
            postgres: loaded.config.store.postgres,
          }),
        );
        try {
          const now = Date.now();
          const until = opts.until ? timeArg(opts.until, now, 'until') : now;
          report = await reportFromStore(store, loaded.config, timeArg(opts.since, now, 'since'), until);
        } finally {
          await store.close();
        }
      } else {
        const q = new URLSearchParams({ since: opts.since, format: 'json' });
        if (opts.until) q.set('until', opts.until);
        report = await api<Report>(await apiUrl(opts), `/api/reports?${q}`);
      }
      if (opts.format === 'json') console.log(JSON.stringify(report, null, 2));
      else if (opts.format === 'html') console.log(renderReportHtml(report));
      else process.stdout.write(renderReportMarkdown(report));
    });
}
