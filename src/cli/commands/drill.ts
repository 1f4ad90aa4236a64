import { mkdtemp, rm } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import type { Command } from 'commander';
import { createMedic } from '../../daemon/index.js';
import { faults, runDrill, summarize } from '../../drill/index.js';
import { cliLogger } from '../logger.js';
import { table } from '../table.js';

interface DrillOpts {
  config: string;
  runs: string;
  json?: boolean;
  service?: string;
  timeout: string;
  dataDir?: string;
}

export function registerDrill(program: Command): void {
  program
    .command('drill <fault>')
    .description(
      `inject a fault (${faults.names().join(', ')}) into a supervised service and measure detection and healing`,
    )
    .requiredOption('-c, --config <file>', 'medic.yaml')
    .option('--runs <n>', 'how many times', '1')
    .option('--service <name>', 'the service to break (default: the first supervised one)')
    .option('--timeout <ms>', 'longest a run may take to heal', '60000')
    .option('--data-dir <dir>', 'keep the drill store here (default: a fresh temporary directory)')
    .option('--json', 'print one JSON object per run')
    .action(async (name: string, opts: DrillOpts) => {
      const fault = faults.get(name);
      const dataDir = opts.dataDir ?? (await mkdtemp(path.join(os.tmpdir(), 'medic-drill-')));
      const logger = cliLogger({ level: 'warn', stream: 'stderr' });
      const medic = await createMedic({ configFile: opts.config, dataDir, watch: false, logger });
      const service =
        opts.service ?? Object.entries(medic.config().config.services).find(([, s]) => s.run)?.[0];
      if (!service || !medic.config().config.services[service]?.run) {
        throw new Error(`no supervised service to drill in ${opts.config} (use --service NAME)`);
      }
      const progress = (msg: string) => process.stderr.write(`drill: ${msg}\n`);
      await medic.start();
      try {
        const runs = await runDrill(medic, fault, {
          service,
          runs: Number(opts.runs),
          timeoutMs: Number(opts.timeout),
          onProgress: progress,
          onRun: (r) => {
            if (opts.json) console.log(JSON.stringify(r));
            else
              progress(
                `run ${r.run}: detected=${r.detected} healed=${r.healed} mttd=${r.mttd_ms}ms mttr=${r.mttr_ms}ms actions=${r.actions}`,
              );
          },
        });
        const s = summarize(fault.name, runs);
        if (!opts.json) {
          console.log(
            table(
              [
                'FAULT',
                'RUNS',
                'DETECTED',
                'HEALED',
                'MTTD median',
                'MTTD worst',
                'MTTR median',
                'MTTR worst',
              ],
              [
                [
                  s.fault,
                  s.runs,
                  s.detected,
                  s.healed,
                  ms(s.mttd_median_ms),
                  ms(s.mttd_worst_ms),
                  ms(s.mttr_median_ms),
                  ms(s.mttr_worst_ms),
                ],
              ],
            ),
          );
        }
        if (s.healed < s.runs) process.exitCode = 1;
      } finally {
        await medic.stop();
        if (!opts.dataDir) await rm(dataDir, { recursive: true, force: true });
      }
    });
}

function ms(v: number | null): string {
  return v === null ? '-' : `${v} ms`;
}
