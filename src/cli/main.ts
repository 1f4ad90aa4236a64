#!/usr/bin/env node
import { Command } from 'commander';
import { ConfigError, errorMessage } from '../core/index.js';
import { registerActions } from './commands/actions.js';
import { registerBans } from './commands/bans.js';
import { registerCheck } from './commands/check.js';
import { registerConfig } from './commands/config.js';
import { registerDeps } from './commands/deps.js';
import { registerDetect } from './commands/detect.js';
import { registerDrill } from './commands/drill.js';
import { registerHealing } from './commands/healing.js';
import { registerIncidents } from './commands/incidents.js';
import { registerInit } from './commands/init.js';
import { registerLogs } from './commands/logs.js';
import { registerOperate } from './commands/operate.js';
import { registerReport } from './commands/report.js';
import { registerRun } from './commands/run.js';
import { registerSoak } from './commands/soak.js';
import { registerStatus } from './commands/status.js';
import { registerStore } from './commands/store.js';
import { registerToken } from './commands/token.js';
import { registerTopology } from './commands/topology.js';
import { installRejectionGuard } from './rejections.js';

installRejectionGuard();

// `medic logs search … | head`: a reader that closes the pipe early ends a command quietly, as Unix tools do.
// Commands that hold processes and a store (the daemon, a drill, a soak) go on to their own end without their
// stdout, so that they stop what they started and exit with their verdict.
const LONG_RUNNING = new Set(['run', 'drill', 'soak']);
process.stdout.on('error', (err: NodeJS.ErrnoException) => {
  if (err.code !== 'EPIPE') throw err;
  if (!LONG_RUNNING.has(process.argv[2] ?? '')) process.exit(0);
});

const program = new Command()
  .name('medic')
  .description('An autonomous site-reliability engineer: watch, detect, heal, verify.')
  .version('0.1.0');

registerInit(program);
registerRun(program);
registerCheck(program);
registerStatus(program);
registerIncidents(program);
registerActions(program);
registerConfig(program);
registerDrill(program);
registerSoak(program);
registerDetect(program);
registerLogs(program);
registerStore(program);
registerToken(program);
registerHealing(program);
registerOperate(program);
registerReport(program);
registerTopology(program);
registerDeps(program);
registerBans(program);

program.parseAsync(process.argv).catch((err: unknown) => {
  // A config error is already "file:line: field: message": print it as it is.
  console.error(err instanceof ConfigError ? err.message : `medic: ${errorMessage(err)}`);
  process.exit(2);
});
