import type { Command } from 'commander';
import { parseDuration } from '../../core/index.js';
import { createMedic } from '../../daemon/index.js';
import { defaultLoadUrl, runSoak } from '../../drill/index.js';
import { cliLogger } from '../logger.js';
import { table } from '../table.js';
import { stopOnSignal } from './drill.js';

interface SoakOpts {
  config: string;
  duration: string;
  rps: string;
  loadUrl?: string;
  load: boolean;
  dataDir?: string;
  json?: boolean;
}

/** `medic soak`: the stack healthy under light load; every finding, incident or action is a false alarm. */
export function registerSoak(program: Command): void {
  program
    .command('soak')
    .description(
      "run the supervised system healthy under light load and count findings, incidents and actions (all must be zero); report Medic's CPU and RSS",
    )
    .requiredOption('-c, --config <file>', 'medic.yaml')
    .option('--duration <d>', 'how long (10m, 60s, ms)', '10m')
    .option('--rps <n>', 'load: requests a second', '5')
    .option('--load-url <url>', 'load: what to GET (default: /api/work of the proxy, else of the app)')
    .option('--no-load', 'no load generator')
    .option('--data-dir <dir>', "the store (default: the config's)")
    .option('--json', 'print the result as one JSON object')
    .action(async (opts: SoakOpts) => {
      const durationMs = parseDuration(opts.duration);
      const rps = Number(opts.rps);
      if (!(rps > 0)) throw new Error(`--rps must be a positive number, not ${opts.rps}`);
      const medic = await createMedic({
        configFile: opts.config,
        watch: false,
        logger: cliLogger({ level: 'warn', stream: 'stderr' }),
        ...(opts.dataDir ? { dataDir: opts.dataDir } : {}),
      });
      const loadUrl = opts.load ? (opts.loadUrl ?? defaultLoadUrl(medic.config())) : null;
      await medic.start();
      const off = stopOnSignal(medic);
      let result: Awaited<ReturnType<typeof runSoak>>;
      try {
        result = await runSoak(medic, {
          durationMs,
          loadUrl,
          rps,
          onProgress: (m) => process.stderr.write(`soak: ${m}\n`),
        });
      } finally {
        off();
        await medic.stop();
      }
      if (opts.json) console.log(JSON.stringify(result));
      else {
        console.log(
          table(
            [
              'DURATION',
              'FINDINGS',
              'INCIDENTS',
              'ACTIONS',
              'REQUESTS',
              'REQ ERRORS',
              'MEDIC CPU',
              'MEDIC RSS max',
            ],
            [
              [
                `${Math.round(result.duration_ms / 1000)} s`,
                result.findings,
                result.incidents,
                result.actions,
                result.requests,
                result.request_errors,
                `${result.cpu_percent} %`,
                `${result.rss_mb_max} MB`,
              ],
            ],
          ),
        );
        for (const line of [
          ...result.details.findings,
          ...result.details.incidents,
          ...result.details.actions,
        ])
          console.log(`  ${line}`);
      }
      if (!result.ok) process.exitCode = 1;
    });
}
