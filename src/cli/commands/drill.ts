import { mkdtemp, rm } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import type { Command } from 'commander';
import { parseDuration } from '../../core/index.js';
import { createMedic, type Medic } from '../../daemon/index.js';
import {
  CHAOS_HEADERS,
  CI_FLAKY_HEADERS,
  chaosRow,
  ciFlakyRow,
  type Fault,
  type FaultReport,
  faultReport,
  faults,
  runAll,
  runChaos,
  runCiFlakyDrill,
  runDrill,
  summaryLine,
  TABLE_HEADERS,
  tableRow,
  targetService,
} from '../../drill/index.js';
import { cliLogger } from '../logger.js';
import { table } from '../table.js';

interface DrillOpts {
  config: string;
  runs: string;
  json?: boolean;
  service?: string;
  timeout: string;
  dataDir?: string;
  only?: string;
  skip?: string;
  withEscalations?: boolean;
  duration?: string;
  seed?: string;
}

const list = (v: string | undefined) =>
  (v ?? '')
    .split(',')
    .map((s) => s.trim())
    .filter(Boolean);

export function registerDrill(program: Command): void {
  program
    .command('drill <fault>')
    .description(
      `inject a fault (${faults.names().join(', ')}) into a supervised service and measure detection and healing; ` +
        '"all" runs every fault in turn against the config\'s own store; ' +
        '"chaos" injects faults drawn at random (--seed) for --duration, overlapping, without waiting for health; ' +
        '"ci-flaky" sends CI failures from a local GitHub: a flaky test must be re-run and go green, a code failure never re-run',
    )
    .requiredOption('-c, --config <file>', 'medic.yaml')
    .option('--runs <n>', 'how many times (per fault)', '1')
    .option('--service <name>', 'the service to break (default: the one whose role fits the fault)')
    .option('--timeout <ms>', 'longest a run may take to heal', '60000')
    .option(
      '--data-dir <dir>',
      'keep the drill store here (default: a fresh temporary directory for one fault; the config\'s store for "all")',
    )
    .option('--only <faults>', 'with "all": only these faults (comma-separated)')
    .option('--skip <faults>', 'with "all": leave these faults out (comma-separated)')
    .option(
      '--with-escalations',
      'with "all": also the safety drills, whose right ending is an escalation to a human (port-squatter)',
    )
    .option('--duration <d>', 'with "chaos": how long to inject faults (3m, 30m)', '30m')
    .option('--seed <n>', 'with "chaos": the seed of the fault sequence (default: from the clock, printed)')
    .option('--json', 'one JSON object per run (per fault with "all", one document with "chaos")')
    .action(async (name: string, opts: DrillOpts) => {
      const runs = Number(opts.runs);
      if (!Number.isInteger(runs) || runs < 1)
        throw new Error(`--runs must be a positive integer, not ${opts.runs}`);
      if (name === 'all') return drillAll(opts, runs);
      if (name === 'chaos') return drillChaos(opts);
      if (name === 'ci-flaky') return drillCiFlaky(opts);
      const fault = faults.get(name);
      const dataDir = opts.dataDir ?? (await mkdtemp(path.join(os.tmpdir(), 'medic-drill-')));
      const medic = await createMedic({
        configFile: opts.config,
        dataDir,
        watch: false,
        logger: quietLogger(),
        drill: true,
      }).catch(async (err: unknown) => {
        // A config the drill cannot run (its error names the file and line) leaves no temporary store.
        if (!opts.dataDir) await rm(dataDir, { recursive: true, force: true });
        throw err;
      });
      const service = opts.service ?? targetService(medic.config(), fault) ?? undefined;
      if (!service || !medic.config().config.services[service]?.run) {
        await medic.store.close();
        if (!opts.dataDir) await rm(dataDir, { recursive: true, force: true });
        throw new Error(`no supervised service to drill in ${opts.config} (use --service NAME)`);
      }
      await medic.start();
      const off = stopOnSignal(medic, opts.dataDir ? undefined : dataDir);
      try {
        const results = await runDrill(medic, fault, {
          service,
          runs,
          timeoutMs: Number(opts.timeout),
          // One service: its incident resolving is the end (drill all waits for other services to settle).
          settleMs: 0,
          onProgress: progress,
          onRun: (r) => {
            if (opts.json) console.log(JSON.stringify(r));
            else
              progress(
                `run ${r.run}: detected=${r.detected} healed=${r.healed} escalated=${r.escalated} restarts=${r.restarts} ok=${r.ok} root_cause=${r.root_cause} cause=${r.cause} root_cause_ok=${r.root_cause_ok} mttd=${r.mttd_ms}ms mttr=${r.mttr_ms}ms actions=${r.actions} collateral=${r.collateral_actions}${r.note ? ` (${r.note})` : ''}`,
              );
          },
        });
        const report = faultReport(fault.name, service, results);
        if (!opts.json) console.log(table(TABLE_HEADERS, [tableRow(report)]));
        if (!report.ok) process.exitCode = 1;
      } finally {
        off();
        await medic.stop();
        if (!opts.dataDir) await rm(dataDir, { recursive: true, force: true });
      }
    });
}

/** The faults --only, --skip and --with-escalations leave, in registry order; unknown names fail here. */
function chosenFaults(opts: DrillOpts): Fault[] {
  const only = list(opts.only);
  const skip = new Set(list(opts.skip));
  for (const n of [...only, ...skip]) faults.get(n);
  // By default what Medic promises to heal; the safety drills (an escalation is right) on request.
  const all = faults.names().filter((n) => opts.withEscalations || faults.get(n).outcome !== 'escalated');
  return (only.length ? only : all).filter((n) => !skip.has(n)).map((n) => faults.get(n));
}

/** `drill all`: every fault (or --only), in registry order, against the config's store (or --data-dir). */
async function drillAll(opts: DrillOpts, runs: number): Promise<void> {
  const chosen = chosenFaults(opts);
  const medic: Medic = await createMedic({
    configFile: opts.config,
    watch: false,
    logger: quietLogger(),
    drill: true,
    ...(opts.dataDir ? { dataDir: opts.dataDir } : {}),
  });
  await medic.start();
  const off = stopOnSignal(medic);
  let reports: FaultReport[] = [];
  try {
    reports = await runAll(medic, chosen, {
      runs,
      timeoutMs: Number(opts.timeout),
      onProgress: progress,
      onFault: (r) => {
        if (opts.json) console.log(JSON.stringify(r));
        else
          progress(
            `${r.fault}: ${r.skipped ? `skipped (${r.skipped})` : `done${r.notes.length ? `: ${r.notes.join('; ')}` : ''}`}`,
          );
      },
    });
  } finally {
    off();
    await medic.stop();
  }
  if (!opts.json) console.log(table(TABLE_HEADERS, reports.map(tableRow)));
  if (reports.some((r) => !r.skipped && (!r.detected || !r.ok))) process.exitCode = 1;
}

/**
 * `drill chaos`: random faults (seeded) for --duration against a fresh store (or --data-dir); the process exits
 * non-zero when a fault was neither healed nor escalated with a notification, or a service was down silently.
 */
async function drillChaos(opts: DrillOpts): Promise<void> {
  const durationMs = parseDuration(opts.duration ?? '30m');
  if (durationMs < 10_000) throw new Error(`--duration must be at least 10s, not ${opts.duration}`);
  const seed = opts.seed === undefined ? Date.now() % 2 ** 31 : Number(opts.seed);
  if (!Number.isInteger(seed) || seed < 0)
    throw new Error(`--seed must be a non-negative integer, not ${opts.seed}`);
  const chosen = chosenFaults(opts);
  const dataDir = opts.dataDir ?? (await mkdtemp(path.join(os.tmpdir(), 'medic-chaos-')));
  const medic = await createMedic({
    configFile: opts.config,
    dataDir,
    watch: false,
    logger: quietLogger(),
    drill: true,
  }).catch(async (err: unknown) => {
    if (!opts.dataDir) await rm(dataDir, { recursive: true, force: true });
    throw err;
  });
  await medic.start();
  const off = stopOnSignal(medic, opts.dataDir ? undefined : dataDir);
  try {
    const report = await runChaos(medic, { seed, durationMs, faults: chosen, onProgress: progress });
    if (opts.json) console.log(JSON.stringify(report, null, 2));
    else {
      console.log(table(CHAOS_HEADERS, report.faults.map(chaosRow)));
      for (const s of report.silent) console.log(`  silent: ${s.service} ${s.seconds} s: ${s.why}`);
      for (const c of report.collateral) console.log(`  collateral: ${c.service} ${c.action}`);
      console.log(summaryLine(report.summary));
    }
    if (!report.summary.passed) process.exitCode = 1;
  } finally {
    off();
    await medic.stop();
    if (!opts.dataDir) await rm(dataDir, { recursive: true, force: true });
  }
}

/** `drill ci-flaky`: CI failure recovery against a local GitHub (src/drill/ci-flaky.ts); exit 1 when a case fails. */
async function drillCiFlaky(opts: DrillOpts): Promise<void> {
  const report = await runCiFlakyDrill({
    configFile: opts.config,
    timeoutMs: Number(opts.timeout),
    logger: quietLogger(),
    onProgress: progress,
    ...(opts.dataDir ? { dataDir: opts.dataDir } : {}),
  });
  if (opts.json) console.log(JSON.stringify(report, null, 2));
  else console.log(table(CI_FLAKY_HEADERS, report.cases.map(ciFlakyRow)));
  if (!report.passed) process.exitCode = 1;
}

/**
 * SIGINT or SIGTERM while a drill or soak runs: stop Medic (and so every service it supervises) before exiting,
 * never leave the stack running without it; `tempDir`, a store the drill made for itself, is removed. Returns the function that removes the handlers.
 */
export function stopOnSignal(medic: Medic, tempDir?: string): () => void {
  const handler = (sig: NodeJS.Signals) => {
    process.stderr.write(`medic: ${sig}: stopping the supervised services\n`);
    void medic
      .stop()
      // The drill's own temporary store goes too, as it does when the drill ends (a --data-dir stays).
      .finally(() => (tempDir ? rm(tempDir, { recursive: true, force: true }) : undefined))
      .finally(() => process.exit(sig === 'SIGINT' ? 130 : 143));
  };
  process.once('SIGINT', handler);
  process.once('SIGTERM', handler);
  return () => {
    process.off('SIGINT', handler);
    process.off('SIGTERM', handler);
  };
}

function progress(msg: string): void {
  process.stderr.write(`drill: ${msg}\n`);
}

function quietLogger() {
  return cliLogger({ level: 'warn', stream: 'stderr' });
}
