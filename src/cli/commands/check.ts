import type { Command } from 'commander';
import { loadConfig } from '../../config/index.js';
import { scheduledChecks } from '../../daemon/index.js';
import { runProbe } from '../../sources/index.js';
import { table } from '../table.js';

export function registerCheck(program: Command): void {
  program
    .command('check')
    .description('run every check once, print a table, exit 1 if any fails')
    .requiredOption('-c, --config <file>', 'medic.yaml')
    .option('--json', 'print JSON')
    .action(async (opts: { config: string; json?: boolean }) => {
      const loaded = await loadConfig(opts.config);
      const checks = scheduledChecks(loaded.config);
      const results = await Promise.all(
        checks.map(async (c) => {
          const controller = new AbortController();
          const timer = setTimeout(() => controller.abort(new Error('timeout')), c.config.timeout);
          try {
            const r = await runProbe(c.config, {
              signal: controller.signal,
              service: c.service,
              baseDir: loaded.baseDir,
              supervisedPid: () => null,
            });
            return { service: c.service, check: c.name, ...r };
          } finally {
            clearTimeout(timer);
          }
        }),
      );
      if (opts.json) {
        console.log(JSON.stringify(results, null, 2));
      } else {
        console.log(
          table(
            ['SERVICE', 'CHECK', 'RESULT', 'LATENCY', 'MESSAGE'],
            results.map((r) => [
              r.service,
              r.check,
              r.ok ? 'ok' : r.degraded ? 'DEGRADED' : 'FAIL',
              `${Math.round(r.latencyMs)}ms`,
              r.message,
            ]),
          ),
        );
      }
      if (results.some((r) => !r.ok)) process.exitCode = 1;
    });
}
