/** `services.<name>.logs`: log sources and mining (see src/daemon/TELEMETRY.md). */
import { z } from 'zod';
import { duration, name } from './common.js';
import { serviceAbuseSchema } from './security.js';

const severity = z
  .enum(['info', 'warning', 'critical'])
  .describe('The severity of the finding a matching line raises.');

const format = z
  .string()
  .default('auto')
  .refine((f) => ['auto', 'json', 'text'].includes(f) || f.includes('<Content>'), {
    message: 'auto, json, text, or a header pattern such as "<Date> <Time> <Level> <Content>"',
  })
  .describe(
    'How lines are parsed: `auto` (JSON when a line is a JSON object, else text), `json`, `text`, or a header pattern with <Content> such as "<Date> <Time> <Level> <Content>".',
  );

const multiline = z
  .union([z.boolean(), z.string()])
  .default(true)
  .describe(
    'Joins continuation lines (stack traces) to the line they follow: true = the built-in pattern, false = none, or a regular expression matching a continuation line.',
  );

export const logFileSchema = z.strictObject({
  path: z.string().min(1).describe('relative to the config file'),
  format,
  multiline,
  from: z
    .enum(['start', 'end'])
    .default('end')
    .describe('With no saved position: read the file from its start or only what is written from now on.'),
  poll: duration.default(250).describe('How often the file is checked for new lines and rotation.'),
});

/**
 * A container's logs through the Docker Engine API: the daemon keeps them, so what is written while Medic is
 * down is read when it is back.
 */
export const logDockerSchema = z
  .strictObject({
    container: name.describe('Name or id; a container recreated under the same name is followed on.'),
    socket_path: z
      .string()
      .min(1)
      .optional()
      .describe('A unix socket (default: $DOCKER_HOST, else /var/run/docker.sock).'),
    url: z.url().optional().describe('Or a TCP endpoint such as http://127.0.0.1:2375.'),
    format,
    multiline,
    stdout: z.boolean().default(true).describe("Read the container's stdout."),
    stderr: z.boolean().default(true).describe("Read the container's stderr."),
    from: z
      .enum(['start', 'end'])
      .default('end')
      .describe('With no saved position: everything the daemon kept, or only what is written from now on.'),
  })
  .refine((d) => !(d.socket_path && d.url), { message: 'socket_path or url, not both' })
  .refine((d) => d.stdout || d.stderr, { message: 'read stdout, stderr or both' });

export const serviceLogsSchema = z.strictObject({
  files: z
    .array(logFileSchema)
    .default([])
    .describe('Log files tailed (rotation and truncation followed, position kept across restarts).'),
  docker: z
    .array(logDockerSchema)
    .default([])
    // A container's position is stored under its name: two entries for one container would share it.
    .refine((list) => new Set(list.map((d) => d.container)).size === list.length, {
      message: 'a container may be listed once (choose its streams with stdout and stderr)',
    })
    .describe('Containers whose logs are read through the Docker Engine API.'),
  stdout: z.boolean().default(true).describe("Mine the supervised process's stdout and stderr."),
  push: z
    .boolean()
    .default(false)
    .describe(
      "Accept lines pushed to POST /api/ingest/logs for this service. Off unless asked for: anyone holding an ingest token could otherwise write into any service's logs and findings.",
    ),
  /** Format of stdout and pushed lines. */
  format,
  queue: z
    .strictObject({
      capacity: z
        .number()
        .int()
        .min(1)
        .default(50_000)
        .describe(
          'Records waiting between the sources and the miner; beyond it, stdout and push lines are dropped and counted.',
        ),
      overflow: z
        .enum(['drop-newest', 'drop-oldest'])
        .default('drop-newest')
        .describe('Which line goes when full: the arriving one, or the oldest waiting.'),
      batch: z.number().int().min(1).default(20_000).describe('Records per stored batch (one transaction).'),
      flush: duration
        .default(1_000)
        .describe('How long a mined record may wait to be stored with later ones (one transaction for all).'),
    })
    .prefault({})
    .describe('The bounded queue between log sources and the store: what happens in a flood.'),
  miner: z
    .strictObject({
      similarity: z
        .number()
        .min(0)
        .max(1)
        .optional()
        .describe('Share of tokens (0..1) a line must share with a template to join it.'),
      depth: z
        .number()
        .int()
        .min(1)
        .optional()
        .describe('Depth of the prefix tree lines are routed through.'),
      max_children: z
        .number()
        .int()
        .min(1)
        .optional()
        .describe('Children per tree node before tokens are wildcarded.'),
      max_clusters: z
        .number()
        .int()
        .min(1)
        .optional()
        .describe('Templates kept per service (least recently seen go first).'),
      max_word_values: z
        .number()
        .int()
        .min(0)
        .optional()
        .describe('Distinct values a token may take before it becomes a variable.'),
    })
    .prefault({})
    .describe(
      'The log template miner (Drain-like): how lines are grouped into templates. Unset keys take the tuned defaults.',
    ),
  rules: z
    .array(
      z.strictObject({
        category: z.string().min(1).describe('The category a matching line gets (e.g. `payment_failed`).'),
        severity,
        pattern: z.string().min(1).describe("A regular expression a line's text must match."),
        flags: z.string().optional().describe('Regular expression flags (e.g. `i`).'),
      }),
    )
    .default([])
    .describe('Extra error categories, checked before the built-in ones.'),
  novelty: z
    .strictObject({
      window: duration.default(60_000).describe('The counting window for spikes.'),
      quiet: duration
        .default(10_000)
        .describe('A pattern holds its service degraded until its lines have stopped this long.'),
      warmup: duration
        .default(300_000)
        .describe('Templates seen in the first this-long after start are not new.'),
      spike_sigma: z
        .number()
        .positive()
        .default(4)
        .describe(
          "A window's count this many standard deviations above the template's usual rate is a spike.",
        ),
      spike_min_count: z
        .number()
        .int()
        .min(1)
        .default(20)
        .describe('A spike needs at least this many lines in the window.'),
      examples: z.number().int().min(1).max(20).default(3).describe('Example lines kept with a finding.'),
      errors_only: z
        .boolean()
        .default(true)
        .describe('Only error-like templates (a category or error level) raise findings.'),
    })
    .prefault({})
    .describe('When a template is new or spikes: findings of kind `pattern`.'),
  retention: duration
    .default(86_400_000)
    .describe('Keep the lines themselves (for `medic logs tail|search`) this long; 0 keeps none.'),
  rate_interval: duration
    .default(10_000)
    .describe("Period of the service's error-rate series (`logs.error_rate`, `logs.lines_rate`)."),
  abuse: serviceAbuseSchema
    .optional()
    .describe(
      'Count failed logins, 401/403/429s and 404s per source address (`abuse` findings); off by default.',
    ),
});

export type ServiceLogsConfig = z.output<typeof serviceLogsSchema>;
export type LogFileConfig = z.output<typeof logFileSchema>;
export type LogDockerConfig = z.output<typeof logDockerSchema>;
