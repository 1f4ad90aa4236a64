/** `services.<name>.checks[]`: what a probe checks and how often. */
import { z } from 'zod';
import { formatDuration } from '../../core/index.js';
import { argv, duration, envMap, name } from './common.js';
import { quantity } from './metrics.js';

/** A check's timeout when it gives none. */
const DEFAULT_TIMEOUT_MS = 5_000;

const httpCheck = z.strictObject({
  url: z.url().describe('The URL requested (http or https).'),
  method: z.enum(['GET', 'HEAD', 'POST']).default('GET').describe('The HTTP method.'),
  status: z
    .union([z.number().int(), z.array(z.number().int())])
    .default(200)
    .describe('The status code, or list of codes, that counts as up.'),
  body: z.string().optional().describe('regular expression the body must match'),
  max_latency: duration.optional().describe('slower answers are "degraded"'),
  headers: z.record(z.string(), z.string()).default({}).describe('Request headers, name to value.'),
});

/** Bytes as hex pairs, spaces allowed: "10 0c 00 04 4d 51 54 54". */
const hexBytes = z.string().regex(/^\s*(?:[0-9a-fA-F]{2}\s*)+$/, 'hex bytes such as "20 02 00 00"');

// send/expect: a hung server still completes the handshake (the kernel accepts into the backlog); only an
// answer shows it is alive.
const tcpCheck = z
  .strictObject({
    host: z.string().default('127.0.0.1').describe('The host connected to.'),
    port: z.number().int().min(1).max(65535).describe('The TCP port connected to.'),
    send: z.string().optional().describe('written after connecting (YAML "version\\r\\n" is CR LF)'),
    send_hex: hexBytes.optional().describe('bytes written after connecting'),
    expect: z.string().optional().describe('regular expression the reply must match within the timeout'),
    expect_hex: hexBytes.optional().describe('bytes the reply must start with, within the timeout'),
  })
  .refine((t) => t.send === undefined || t.send_hex === undefined, {
    message: 'give send or send_hex, not both',
  })
  .refine((t) => t.expect === undefined || t.expect_hex === undefined, {
    message: 'give expect or expect_hex, not both',
  });

const processCheck = z
  .strictObject({
    pid: z.number().int().positive().optional().describe('A process id to watch.'),
    pidfile: z
      .string()
      .optional()
      .describe('A file holding the process id to watch; relative to the config file.'),
    name: z.string().optional().describe('process name (comm) or a substring of its command line'),
    max_rss_mb: z.number().positive().optional().describe('Resident memory above this many MB is degraded.'),
    max_cpu_percent: z
      .number()
      .positive()
      .optional()
      .describe('CPU use above this percentage (of one core) is degraded.'),
  })
  .refine((p) => [p.pid, p.pidfile, p.name].filter((x) => x !== undefined).length <= 1, {
    message: 'give at most one of pid, pidfile, name (none: the supervised process)',
  });

/** Variables of Medic's environment a child gets beyond the allow-list: names, or `PREFIX_*` (child-env.ts). */
export const inheritEnv = z
  .array(z.string().regex(/^[A-Za-z_][A-Za-z0-9_]*\*?$/, 'a variable name, or a prefix ending in *'))
  .default([]);

const commandCheck = z.strictObject({
  command: argv.describe('The command run, as an argv list (no shell).'),
  cwd: z.string().optional().describe('The working directory; relative to the config file.'),
  env: envMap.default({}).describe('Environment variables set for the command.'),
  inherit_env: inheritEnv.describe(
    "Variables of Medic's own environment the command also gets beyond the allow-list: names, or prefixes ending in `*`.",
  ),
  exit_code: z.number().int().default(0).describe('The exit code that counts as up.'),
  output: z.string().optional().describe('regular expression stdout must match'),
});

/**
 * A size in bytes: "48MB", "300MiB" or a number. `quantity` also takes "90%", which is no size. The pattern
 * spells out both cases: the exported JSON Schema (for editors) has no case-insensitive flag.
 */
const byteSize = z
  .union([
    z.number(),
    z
      .string()
      .regex(/^\s*\d+(?:\.\d+)?\s*(?:[kKmMgGtT][iI]?[bB]|[bB])?\s*$/, 'a size such as 48MB, 300MiB or bytes'),
  ])
  .pipe(quantity)
  .pipe(z.number().positive());

const percent = z.number().positive().max(100);

const diskCheck = z
  .strictObject({
    path: z.string().min(1).describe('a directory; relative to the config file'),
    max_size: byteSize.optional().describe("the directory's own size, as du counts it"),
    max_used_percent: percent.optional().describe('of the filesystem holding the path'),
    max_inodes_used_percent: percent.optional().describe('of the filesystem holding the path'),
  })
  .refine(
    (d) =>
      d.max_size !== undefined || d.max_used_percent !== undefined || d.max_inodes_used_percent !== undefined,
    { message: 'give at least one of max_size, max_used_percent, max_inodes_used_percent' },
  );

const postgresCheck = z.strictObject({
  url: z
    .string()
    .regex(/^postgres(?:ql)?:\/\//, 'a postgres:// URL')
    .describe('A postgres:// connection URL (the password may come from PGPASSWORD).'),
  query: z.string().min(1).default('SELECT 1').describe('The query run on each check; an error is down.'),
  max_connections_used_percent: percent.optional().describe('of max_connections, our own session left out'),
  max_query_seconds: z.number().positive().optional().describe('the longest running query'),
  max_idle_in_transaction_seconds: z.number().positive().optional().describe('the oldest such session'),
});

const redisCheck = z.strictObject({
  url: z
    .string()
    .regex(/^rediss?:\/\//, 'a redis:// URL (redis://:password@host:6379)')
    .describe('A redis:// or rediss:// URL (`redis://:password@host:6379/0`).'),
  max_memory_used_percent: percent.optional().describe('of maxmemory, else of system memory'),
  max_clients: z.number().int().positive().optional().describe('connected clients'),
  max_blocked_clients: z.number().int().min(0).optional().describe('clients waiting in BLPOP and the like'),
});

const fraction = z.number().positive().max(1);

// host/port or an https URL; thresholds are fractions of the certificate's lifetime (lifetimes shrink to
// 47 days by 2029, so a fixed count of days fits no certificate for long).
const tlsCheck = z
  .strictObject({
    host: z.string().optional().describe('The TLS host whose certificate is checked (or give `url`).'),
    port: z.number().int().min(1).max(65535).default(443).describe('The TLS port.'),
    url: z.url().optional().describe('an https URL: host and port from it'),
    server_name: z
      .string()
      .optional()
      .describe('the name the certificate must carry (SNI); default: the host'),
    ca: z
      .string()
      .optional()
      .describe('PEM file of CAs trusted besides the public roots; relative to the config file'),
    warn_fraction: fraction.default(0.3).describe('of the lifetime left: under it → degraded'),
    critical_fraction: fraction.default(0.1).describe('of the lifetime left: under it → down'),
  })
  .refine((t) => (t.host === undefined) !== (t.url === undefined), { message: 'give host (and port) or url' })
  .refine((t) => t.url === undefined || t.url.startsWith('https://'), {
    path: ['url'],
    message: 'an https:// URL',
  })
  .refine((t) => t.critical_fraction < t.warn_fraction, {
    path: ['critical_fraction'],
    message: 'critical_fraction must be below warn_fraction',
  });

/** Two alarm levels of one measurement: past `degraded` the check is degraded, past `down` it is down. */
function levels(value: z.ZodNumber) {
  return z
    .strictObject({
      degraded: value.optional().describe('over this → degraded'),
      down: value.optional().describe('over this → down'),
    })
    .refine((l) => l.degraded !== undefined || l.down !== undefined, {
      message: 'give degraded, down or both',
    })
    .refine((l) => l.degraded === undefined || l.down === undefined || l.down >= l.degraded, {
      path: ['down'],
      message: 'down must not be below degraded',
    });
}

const percentLevels = levels(z.number().min(0).max(100));

const countLevels = levels(z.number().int().min(0));

// A queue's depth: the backlog a stalled or outpaced consumer leaves, which no up/down check sees.
const queueCheck = z
  .strictObject({
    url: z
      .string()
      .regex(/^(?:rediss?|postgres(?:ql)?):\/\//, 'a redis:// or postgres:// URL')
      .describe('The Redis or PostgreSQL server holding the queue (redis://… or postgres://…).'),
    key: z
      .string()
      .min(1)
      .optional()
      .describe('Redis: the list, stream, sorted set or set whose length is the depth.'),
    group: z
      .string()
      .min(1)
      .optional()
      .describe(
        "Redis stream: the consumer group whose backlog (entries not yet delivered plus those not acknowledged) is the depth; default: the groups' largest, or the stream's length without groups.",
      ),
    table: z
      .string()
      .regex(/^[A-Za-z_][A-Za-z0-9_$]*(?:\.[A-Za-z_][A-Za-z0-9_$]*)?$/, 'a table name, or schema.table')
      .optional()
      .describe('PostgreSQL: the table whose rows are the queue.'),
    where: z
      .string()
      .min(1)
      .optional()
      .describe("PostgreSQL: the condition a row waiting in `table` meets (`state = 'queued'`)."),
    query: z
      .string()
      .min(1)
      .optional()
      .describe('PostgreSQL: instead of table, a query whose first row and column is the depth.'),
    depth: countLevels.describe('The depth past which the check is degraded or down.'),
  })
  .superRefine((q, ctx) => {
    const issue = (message: string, path: string[] = []) => ctx.addIssue({ code: 'custom', message, path });
    if (q.url.startsWith('redis')) {
      if (!q.key) issue('a redis queue needs key', ['key']);
      for (const k of ['table', 'where', 'query'] as const) {
        if (q[k] !== undefined) issue(`${k} is for a postgres queue; a redis queue takes key`, [k]);
      }
    } else {
      if ((q.table === undefined) === (q.query === undefined)) issue('a postgres queue needs table or query');
      if (q.where !== undefined && q.table === undefined) issue('where goes with table', ['where']);
      for (const k of ['key', 'group'] as const) {
        if (q[k] !== undefined)
          issue(`${k} is for a redis queue; a postgres queue takes table or query`, [k]);
      }
    }
  });

const hostCheck = z.strictObject({
  cpu_percent: percentLevels
    .optional()
    .describe('CPU busy, all cores together, since the previous run (/proc/stat).'),
  memory_used_percent: percentLevels
    .optional()
    .describe('Memory not available (100 − MemAvailable of MemTotal, /proc/meminfo).'),
  swap_used_percent: percentLevels.optional().describe('Swap used of the swap there is (none: 0).'),
  load_per_core: levels(z.number().min(0))
    .optional()
    .describe('The 1-minute load average divided by the online cores.'),
  open_files_percent: percentLevels
    .optional()
    .describe('File handles open of fs.file-max (/proc/sys/fs/file-nr).'),
  mounts: z
    .array(z.string().min(1))
    .min(1)
    .default(['/'])
    .describe(
      'Mount points (or any path on the filesystem) judged by the disk limits; relative to the config file.',
    ),
  disk_used_percent: percentLevels.optional().describe('Space used of each mount, as df counts it.'),
  inodes_used_percent: percentLevels.optional().describe('Inodes used of each mount.'),
});

const endpoint = {
  socket_path: z
    .string()
    .min(1)
    .optional()
    .describe('A unix socket (default: $DOCKER_HOST, else /var/run/docker.sock).'),
  url: z.url().optional().describe('Or a TCP endpoint such as http://127.0.0.1:2375.'),
};

const dockerCheck = z
  .strictObject({
    container: z
      .string()
      .regex(/^[A-Za-z0-9][A-Za-z0-9_.-]*$/, 'a container name or id')
      .describe("The container's name or id."),
    ...endpoint,
  })
  .refine((d) => !(d.socket_path && d.url), { message: 'socket_path or url, not both' });

/** DNS-1123 names, as Kubernetes allows for namespaces and Deployments: they go into URL paths. */
const kubeName = z
  .string()
  .regex(/^[a-z0-9]([a-z0-9.-]{0,251}[a-z0-9])?$/, 'a Kubernetes name (lower-case letters, digits, - and .)');

const kubernetesCheck = z.strictObject({
  namespace: kubeName.default('default').describe('The namespace of the Deployment.'),
  deployment: kubeName.describe('The Deployment whose replicas and pods are checked.'),
  kubeconfig: z
    .string()
    .optional()
    .describe(
      'A kubeconfig file, relative to the config file; absent: $KUBECONFIG, ~/.kube/config or the in-cluster service account.',
    ),
  context: z.string().optional().describe('The kubeconfig context (default: the current one).'),
});

const checkBase = {
  name: name
    .optional()
    .describe(
      "The check's name (default: its kind, suffixed when taken); playbooks' verify.checks and the API name checks by it.",
    ),
  interval: duration.default(10_000).describe('How often the check runs.'),
  timeout: duration.default(DEFAULT_TIMEOUT_MS).describe('A check that takes longer fails.'),
  down_after: z
    .number()
    .int()
    .min(1)
    .default(2)
    .describe('Consecutive failures before the check is judged down.'),
  up_after: z
    .number()
    .int()
    .min(1)
    .default(1)
    .describe('Consecutive successes before it is judged up again.'),
};

const CHECK_KINDS = [
  'http',
  'tcp',
  'process',
  'command',
  'disk',
  'postgres',
  'redis',
  'tls',
  'docker',
  'kubernetes',
  'host',
  'queue',
] as const;
export type CheckKind = (typeof CHECK_KINDS)[number];

export const checkSchema = z
  .strictObject({
    ...checkBase,
    http: httpCheck.optional().describe('Check an HTTP endpoint: status, body and latency.'),
    tcp: tcpCheck
      .optional()
      .describe(
        'Check that a TCP port accepts connections, optionally with a request and an expected reply.',
      ),
    process: processCheck
      .optional()
      .describe(
        'Check a process is alive (by pid, pidfile or name; none: the supervised process) and its memory and CPU.',
      ),
    command: commandCheck.optional().describe('Check by running a command: its exit code and output.'),
    disk: diskCheck.optional().describe("Check a directory's size and its filesystem's space and inodes."),
    postgres: postgresCheck
      .optional()
      .describe('Check a PostgreSQL server: a query runs, connections, long queries and idle transactions.'),
    redis: redisCheck.optional().describe('Check a Redis server: PING, memory, clients.'),
    tls: tlsCheck
      .optional()
      .describe('Check a TLS certificate: days left of its lifetime, chain and host name.'),
    docker: dockerCheck
      .optional()
      .describe('Check a Docker container: its state, exit code, OOM kill, health and restarts.'),
    kubernetes: kubernetesCheck
      .optional()
      .describe(
        'Check a Kubernetes Deployment: replicas ready of desired, pods crash-looping or OOM-killed.',
      ),
    host: hostCheck
      .optional()
      .describe('Check the host: CPU, memory, swap, load per core, open files, disk space and inodes.'),
    queue: queueCheck
      .optional()
      .describe("Check a queue's depth: a Redis list or stream, or a PostgreSQL table of jobs."),
  })
  .superRefine((c, ctx) => {
    const kinds = CHECK_KINDS.filter((k) => c[k] !== undefined);
    if (kinds.length !== 1) {
      ctx.addIssue({ code: 'custom', message: `a check needs exactly one of ${CHECK_KINDS.join(', ')}` });
    }
    if (c.timeout > c.interval) {
      // Said with both values: a check given only a short interval meets the default timeout it never wrote.
      const dflt = c.timeout === DEFAULT_TIMEOUT_MS ? ' (the default, when a check gives none)' : '';
      ctx.addIssue({
        code: 'custom',
        path: ['timeout'],
        message: `timeout ${formatDuration(c.timeout)}${dflt} must not exceed interval ${formatDuration(c.interval)}`,
      });
    }
  });

export type CheckConfig = z.output<typeof checkSchema>;

export function checkKind(c: CheckConfig): CheckKind {
  if (c.http) return 'http';
  if (c.tcp) return 'tcp';
  if (c.process) return 'process';
  if (c.disk) return 'disk';
  if (c.postgres) return 'postgres';
  if (c.redis) return 'redis';
  if (c.tls) return 'tls';
  if (c.docker) return 'docker';
  if (c.kubernetes) return 'kubernetes';
  if (c.host) return 'host';
  if (c.queue) return 'queue';
  return 'command';
}

/** A check's name: its own, else its kind, suffixed by its position when unnamed. */
export function checkName(c: CheckConfig, index: number): string {
  return c.name ?? (index === 0 ? checkKind(c) : `${checkKind(c)}-${index}`);
}
