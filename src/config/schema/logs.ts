/** `services.<name>.logs`: log sources and mining (see src/daemon/TELEMETRY.md). */
import { z } from 'zod';
import { duration, name } from './common.js';
import { serviceAbuseSchema } from './security.js';

const severity = z.enum(['info', 'warning', 'critical']);

/** `auto` (JSON when a line is a JSON object, else text), `json`, `text`, or a header pattern with <Content>. */
const format = z
  .string()
  .default('auto')
  .refine((f) => ['auto', 'json', 'text'].includes(f) || f.includes('<Content>'), {
    message: 'auto, json, text, or a header pattern such as "<Date> <Time> <Level> <Content>"',
  });

/** Joins continuation lines (stack traces): true = the built-in pattern, false = none, or a regex. */
const multiline = z.union([z.boolean(), z.string()]).default(true);

export const logFileSchema = z.strictObject({
  path: z.string().min(1).describe('relative to the config file'),
  format,
  multiline,
  /** With no saved position: read the file from its start or only what is written from now on. */
  from: z.enum(['start', 'end']).default('end'),
  poll: duration.default(250),
});

/**
 * A container's logs through the Docker Engine API: the daemon keeps them, so what is written while Medic is
 * down is read when it is back.
 */
export const logDockerSchema = z
  .strictObject({
    /** Name or id; a container recreated under the same name is followed on. */
    container: name,
    /** A unix socket (default: $DOCKER_HOST, else /var/run/docker.sock). */
    socket_path: z.string().min(1).optional(),
    /** Or a TCP endpoint such as http://127.0.0.1:2375. */
    url: z.url().optional(),
    format,
    multiline,
    stdout: z.boolean().default(true),
    stderr: z.boolean().default(true),
    /** With no saved position: everything the daemon kept, or only what is written from now on. */
    from: z.enum(['start', 'end']).default('end'),
  })
  .refine((d) => !(d.socket_path && d.url), { message: 'socket_path or url, not both' })
  .refine((d) => d.stdout || d.stderr, { message: 'read stdout, stderr or both' });

export const serviceLogsSchema = z.strictObject({
  files: z.array(logFileSchema).default([]),
  docker: z
    .array(logDockerSchema)
    .default([])
    // A container's position is stored under its name: two entries for one container would share it.
    .refine((list) => new Set(list.map((d) => d.container)).size === list.length, {
      message: 'a container may be listed once (choose its streams with stdout and stderr)',
    }),
  /** Mine the supervised process's stdout and stderr. */
  stdout: z.boolean().default(true),
  /** Accept lines pushed to POST /api/ingest/logs for this service. Off unless asked for: anyone holding an
   * ingest token could otherwise write into any service's logs and findings. */
  push: z.boolean().default(false),
  /** Format of stdout and pushed lines. */
  format,
  queue: z
    .strictObject({
      /** Records waiting between the sources and the miner; beyond it, stdout and push lines are dropped and counted. */
      capacity: z.number().int().min(1).default(50_000),
      /** Which line goes when full: the arriving one, or the oldest waiting. */
      overflow: z.enum(['drop-newest', 'drop-oldest']).default('drop-newest'),
      /** Records per stored batch (one transaction). */
      batch: z.number().int().min(1).default(20_000),
      /** How long a mined record may wait to be stored with later ones (one transaction for all). */
      flush: duration.default(1_000),
    })
    .prefault({}),
  miner: z
    .strictObject({
      similarity: z.number().min(0).max(1).optional(),
      depth: z.number().int().min(1).optional(),
      max_children: z.number().int().min(1).optional(),
      max_clusters: z.number().int().min(1).optional(),
      max_word_values: z.number().int().min(0).optional(),
    })
    .prefault({}),
  /** Extra error categories, checked before the built-in ones. */
  rules: z
    .array(
      z.strictObject({
        category: z.string().min(1),
        severity,
        pattern: z.string().min(1),
        flags: z.string().optional(),
      }),
    )
    .default([]),
  novelty: z
    .strictObject({
      window: duration.default(60_000),
      /** A pattern holds its service degraded until its lines have stopped this long. */
      quiet: duration.default(10_000),
      warmup: duration.default(300_000),
      spike_sigma: z.number().positive().default(4),
      spike_min_count: z.number().int().min(1).default(20),
      examples: z.number().int().min(1).max(20).default(3),
      errors_only: z.boolean().default(true),
    })
    .prefault({}),
  /** Keep the lines themselves (for `medic logs tail|search`) this long; 0 keeps none. */
  retention: duration.default(86_400_000),
  /** Period of the service's error-rate series (`logs.error_rate`, `logs.lines_rate`). */
  rate_interval: duration.default(10_000),
  /** Count failed logins, 401/403/429s and 404s per source address (`abuse` findings); off by default. */
  abuse: serviceAbuseSchema.optional(),
});

export type ServiceLogsConfig = z.output<typeof serviceLogsSchema>;
export type LogFileConfig = z.output<typeof logFileSchema>;
export type LogDockerConfig = z.output<typeof logDockerSchema>;
