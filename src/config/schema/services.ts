/** `services.<name>`: how Medic runs, checks and understands a service. */
import { z } from 'zod';
import { checkSchema, inheritEnv } from './checks.js';
import { argv, autonomy, duration, envMap, name } from './common.js';
import { serviceLogsSchema } from './logs.js';
import { serviceMetricsSchema } from './metrics.js';
import { serviceSloSchema } from './slo.js';

export const runSchema = z.strictObject({
  command: argv,
  cwd: z.string().optional().describe('relative to the config file'),
  env: envMap.default({}),
  inherit_env: inheritEnv,
  /** How long a stop waits after SIGTERM before SIGKILL. */
  stop_timeout: duration.default(5_000),
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
  description: z.string().optional(),
  run: runSchema.optional().describe('supervised: Medic runs the service as its child process'),
  restart: z
    .strictObject({ command: argv, timeout: duration.default(30_000) })
    .optional()
    .describe('for an unsupervised service: the command that restarts it'),
  checks: z.array(checkSchema).default([]),
  depends_on: z.array(name).default([]),
  autonomy: autonomy.optional(),
  /** Log sources of the service (files, stdout, push) and how their lines are mined. */
  logs: serviceLogsSchema.optional(),
  /** Metric series of the service and the detectors and forecasts watching them. */
  metrics: serviceMetricsSchema.optional(),
  /** What the service is (e.g. `database`): diagnosis rules use it. */
  role: z.string().optional(),
  /** Service-level objectives, for error budgets and reports. */
  slo: serviceSloSchema.optional(),
  /**
   * Files whose healthy version Medic keeps (relative to the config file): once the service has been healthy
   * for `policy.known_good_after` with a file unchanged, that content is recorded as known good, and
   * `config_rollback` can put it back.
   */
  config_files: z.array(z.string().min(1)).default([]),
});

export type ServiceConfig = z.output<typeof serviceSchema>;
export type RunConfig = z.output<typeof runSchema>;
