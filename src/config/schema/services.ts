/** `services.<name>`: how Medic runs, checks and understands a service. */
import { z } from 'zod';
import { checkSchema, inheritEnv } from './checks.js';
import { argv, autonomy, duration, envMap, name } from './common.js';
import { serviceLogsSchema } from './logs.js';
import { serviceMetricsSchema } from './metrics.js';
import { serviceSloSchema } from './slo.js';

export const runSchema = z.strictObject({
  command: argv.describe('The command, as an argv list (no shell).'),
  cwd: z.string().optional().describe('relative to the config file'),
  env: envMap.default({}).describe('Environment variables set for the process.'),
  inherit_env: inheritEnv.describe(
    "Variables of Medic's own environment the process also gets beyond the allow-list: names, or prefixes ending in `*`.",
  ),
  stop_timeout: duration.default(5_000).describe('How long a stop waits after SIGTERM before SIGKILL.'),
  start_period: duration
    .default(0)
    .describe(
      "How long a freshly started process may fail its checks while it starts (Docker's start period): failures within it are recorded, not judged, and each check's first pass ends it for that check. Set it to the start-up time of a slow service (a JVM, a large app) so that it is not restarted for booting. Exits are seen at once whatever it is.",
    ),
  ports: z
    .array(z.number().int().min(1).max(65_535))
    .default([])
    .describe(
      'TCP ports the service listens on. Before a start, a process holding one that runs this same command in ' +
        'this same working directory (a stray copy, left by a deploy or started by hand) is stopped; any other ' +
        'holder is left alone and named',
    ),
});

export const serviceSchema = z.strictObject({
  description: z.string().optional().describe('What the service is, for people.'),
  run: runSchema.optional().describe('supervised: Medic runs the service as its child process'),
  restart: z
    .strictObject({
      command: argv.describe('The restart command, as an argv list (no shell).'),
      timeout: duration.default(30_000).describe('The command must finish within this.'),
    })
    .optional()
    .describe('for an unsupervised service: the command that restarts it'),
  checks: z
    .array(checkSchema)
    .default([])
    .describe('Probes run on the service; each decides up, degraded or down.'),
  depends_on: z
    .array(name)
    .default([])
    .describe('Services this one needs: their failure is the root cause of its own.'),
  autonomy: autonomy.optional().describe("Overrides the policy's autonomy for this service."),
  logs: serviceLogsSchema
    .optional()
    .describe('Log sources of the service (files, stdout, push) and how their lines are mined.'),
  metrics: serviceMetricsSchema
    .optional()
    .describe('Metric series of the service and the detectors and forecasts watching them.'),
  role: z.string().optional().describe('What the service is (e.g. `database`): diagnosis rules use it.'),
  slo: serviceSloSchema.optional().describe('Service-level objectives, for error budgets and reports.'),
  config_files: z
    .array(z.string().min(1))
    .default([])
    .describe(
      'Files whose healthy version Medic keeps (relative to the config file): once the service has been healthy for `policy.known_good_after` with a file unchanged, that content is recorded as known good, and `config_rollback` can put it back.',
    ),
});

export type ServiceConfig = z.output<typeof serviceSchema>;
export type RunConfig = z.output<typeof runSchema>;
