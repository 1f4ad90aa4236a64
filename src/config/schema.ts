import { z } from 'zod';
import { parseDuration } from '../core/index.js';

/** A duration written as "500ms", "2s", "5m" or a number of milliseconds; parsed to milliseconds. */
export const duration = z.union([z.string(), z.number()]).transform((v, ctx) => {
  try {
    return parseDuration(v);
  } catch (err) {
    ctx.addIssue({ code: 'custom', message: (err as Error).message });
    return z.NEVER;
  }
});

const argv = z.array(z.string().min(1)).min(1, 'must name a program');
const envMap = z.record(z.string(), z.string());
const name = z.string().regex(/^[a-zA-Z0-9][a-zA-Z0-9_.-]*$/, 'letters, digits, _ . - only');

const httpCheck = z.strictObject({
  url: z.url(),
  method: z.enum(['GET', 'HEAD', 'POST']).default('GET'),
  status: z.union([z.number().int(), z.array(z.number().int())]).default(200),
  body: z.string().optional().describe('regular expression the body must match'),
  max_latency: duration.optional().describe('slower answers are "degraded"'),
  headers: z.record(z.string(), z.string()).default({}),
});

const tcpCheck = z.strictObject({
  host: z.string().default('127.0.0.1'),
  port: z.number().int().min(1).max(65535),
});

const processCheck = z
  .strictObject({
    pid: z.number().int().positive().optional(),
    pidfile: z.string().optional(),
    name: z.string().optional().describe('process name (comm) or a substring of its command line'),
    max_rss_mb: z.number().positive().optional(),
    max_cpu_percent: z.number().positive().optional(),
  })
  .refine((p) => [p.pid, p.pidfile, p.name].filter((x) => x !== undefined).length <= 1, {
    message: 'give at most one of pid, pidfile, name (none: the supervised process)',
  });

const commandCheck = z.strictObject({
  command: argv,
  cwd: z.string().optional(),
  env: envMap.default({}),
  exit_code: z.number().int().default(0),
  output: z.string().optional().describe('regular expression stdout must match'),
});

const checkBase = {
  name: name.optional(),
  interval: duration.default(10_000),
  timeout: duration.default(5_000),
  /** Consecutive failures before the check is judged down. */
  down_after: z.number().int().min(1).default(2),
  /** Consecutive successes before it is judged up again. */
  up_after: z.number().int().min(1).default(1),
};

export const checkSchema = z
  .strictObject({
    ...checkBase,
    http: httpCheck.optional(),
    tcp: tcpCheck.optional(),
    process: processCheck.optional(),
    command: commandCheck.optional(),
  })
  .superRefine((c, ctx) => {
    const kinds = (['http', 'tcp', 'process', 'command'] as const).filter((k) => c[k] !== undefined);
    if (kinds.length !== 1) {
      ctx.addIssue({ code: 'custom', message: 'a check needs exactly one of http, tcp, process, command' });
    }
    if (c.timeout > c.interval) {
      ctx.addIssue({ code: 'custom', path: ['timeout'], message: 'timeout must not exceed interval' });
    }
  });

export const runSchema = z.strictObject({
  command: argv,
  cwd: z.string().optional().describe('relative to the config file'),
  env: envMap.default({}),
  /** How long a stop waits after SIGTERM before SIGKILL. */
  stop_timeout: duration.default(5_000),
});

export const autonomy = z.enum(['observe', 'suggest', 'approve', 'auto']);

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
});

const stepCommon = {
  timeout: duration.default(30_000),
};

export const stepSchema = z
  .strictObject({
    ...stepCommon,
    restart: z.strictObject({ service: name.optional() }).optional(),
    exec: z.strictObject({ command: argv, cwd: z.string().optional(), env: envMap.default({}) }).optional(),
    http: z
      .strictObject({
        url: z.url(),
        method: z.enum(['GET', 'POST', 'PUT', 'DELETE']).default('POST'),
        headers: z.record(z.string(), z.string()).default({}),
        body: z.string().optional(),
        status: z.union([z.number().int(), z.array(z.number().int())]).optional(),
      })
      .optional(),
  })
  .superRefine((s, ctx) => {
    const kinds = (['restart', 'exec', 'http'] as const).filter((k) => s[k] !== undefined);
    if (kinds.length !== 1) {
      ctx.addIssue({ code: 'custom', message: 'a step needs exactly one of restart, exec, http' });
    }
  });

export const findingKind = z.enum(['down', 'degraded', 'anomaly', 'pattern', 'forecast', 'alert']);

export const playbookSchema = z.strictObject({
  description: z.string().optional(),
  when: z.strictObject({
    service: z.union([name, z.literal('*')]).default('*'),
    kind: z.union([findingKind, z.array(findingKind)]).default('down'),
    /** The finding must have held this long before the playbook runs. */
    for: duration.default(0),
  }),
  steps: z.array(stepSchema).min(1, 'a playbook needs at least one step'),
  verify: z
    .strictObject({
      /** The service must be healthy again within this window. */
      within: duration.default(30_000),
      /** ... and stay healthy this long: a process that dies right after start is not healed. */
      stable_for: duration.default(1_000),
    })
    .default({ within: 30_000, stable_for: 1_000 }),
  autonomy: autonomy.optional(),
});

export const policySchema = z.strictObject({
  autonomy: autonomy.default('auto'),
  dry_run: z.boolean().default(false),
  /** Failed heals in a row before Medic escalates and stops acting on the service. */
  max_failed_heals: z.number().int().min(1).default(3),
  /** Delay before the n-th retry: initial × factor^(n-1), capped at max. */
  backoff: z
    .strictObject({
      initial: duration.default(1_000),
      factor: z.number().min(1).default(2),
      max: duration.default(300_000),
    })
    .default({ initial: 1_000, factor: 2, max: 300_000 }),
  /** At most this many actions per service per window. */
  rate_limit: z
    .strictObject({ max_actions: z.number().int().min(1).default(10), window: duration.default(3_600_000) })
    .default({ max_actions: 10, window: 3_600_000 }),
  /** A service healthy this long is trusted again after an escalation. */
  healthy_reset: duration.default(600_000),
});

export const notifierSchema = z
  .strictObject({
    name: name.optional(),
    webhook: z
      .strictObject({
        url: z.url(),
        headers: z.record(z.string(), z.string()).default({}),
        timeout: duration.default(5_000),
      })
      .optional(),
    log: z.strictObject({}).optional(),
    /** Which events go to this notifier. */
    events: z
      .array(z.enum(['incident.opened', 'incident.resolved', 'incident.escalated', 'action']))
      .default(['incident.opened', 'incident.resolved', 'incident.escalated']),
  })
  .superRefine((n, ctx) => {
    const kinds = (['webhook', 'log'] as const).filter((k) => n[k] !== undefined);
    if (kinds.length !== 1)
      ctx.addIssue({ code: 'custom', message: 'a notifier needs exactly one of webhook, log' });
  });

export const serverSchema = z.strictObject({
  host: z.string().default('127.0.0.1'),
  port: z.number().int().min(0).max(65535).default(7070),
  /** Browser origins allowed to call the API; none by default. */
  cors: z.strictObject({ origins: z.array(z.url()).default([]) }).default({ origins: [] }),
  rate_limit: z
    .strictObject({
      max: z.number().int().min(1).default(1200),
      window: duration.default(60_000),
      max_auth_failures: z.number().int().min(1).default(30),
    })
    .default({ max: 1200, window: 60_000, max_auth_failures: 30 }),
  body_limit: z.number().int().min(1024).default(1_048_576),
});

export const configSchema = z
  .strictObject({
    services: z.record(name, serviceSchema).default({}),
    playbooks: z.record(name, playbookSchema).default({}),
    policy: policySchema.default(policySchema.parse({})),
    notifiers: z
      .array(notifierSchema)
      .default([{ log: {}, events: ['incident.opened', 'incident.resolved', 'incident.escalated'] }]),
    server: serverSchema.default(serverSchema.parse({})),
    store: z
      .strictObject({
        dir: z
          .string()
          .default('./.medic')
          .describe('SQLite database and pidfiles; relative to the config file'),
        postgres: z
          .string()
          .regex(/^postgres(ql)?:\/\//, 'a postgres:// URL')
          .optional()
          .describe('share one PostgreSQL between replicas (MEDIC_STORE_URL overrides)'),
      })
      .default({ dir: './.medic' }),
  })
  .superRefine((c, ctx) => {
    for (const [svc, s] of Object.entries(c.services)) {
      s.depends_on.forEach((dep, i) => {
        if (!c.services[dep]) {
          ctx.addIssue({
            code: 'custom',
            path: ['services', svc, 'depends_on', i],
            message: `unknown service "${dep}"`,
          });
        }
      });
      const seen = new Set<string>();
      s.checks.forEach((chk, i) => {
        const n = checkName(chk, i);
        if (seen.has(n))
          ctx.addIssue({
            code: 'custom',
            path: ['services', svc, 'checks', i, 'name'],
            message: `duplicate check name "${n}"`,
          });
        seen.add(n);
      });
    }
    for (const [pb, p] of Object.entries(c.playbooks)) {
      if (p.when.service !== '*' && !c.services[p.when.service]) {
        ctx.addIssue({
          code: 'custom',
          path: ['playbooks', pb, 'when', 'service'],
          message: `unknown service "${p.when.service}"`,
        });
      }
      p.steps.forEach((st, i) => {
        const target = st.restart?.service;
        if (target && !c.services[target]) {
          ctx.addIssue({
            code: 'custom',
            path: ['playbooks', pb, 'steps', i, 'restart', 'service'],
            message: `unknown service "${target}"`,
          });
        }
      });
    }
  });

export type MedicConfig = z.output<typeof configSchema>;
export type ServiceConfig = z.output<typeof serviceSchema>;
export type CheckConfig = z.output<typeof checkSchema>;
export type PlaybookConfig = z.output<typeof playbookSchema>;
export type StepConfig = z.output<typeof stepSchema>;
export type PolicyConfig = z.output<typeof policySchema>;
export type NotifierConfig = z.output<typeof notifierSchema>;
export type RunConfig = z.output<typeof runSchema>;
export type Autonomy = z.output<typeof autonomy>;
export type CheckKind = 'http' | 'tcp' | 'process' | 'command';

export function checkKind(c: CheckConfig): CheckKind {
  if (c.http) return 'http';
  if (c.tcp) return 'tcp';
  if (c.process) return 'process';
  return 'command';
}

/** A check's name: its own, else its kind, suffixed by its position when unnamed. */
export function checkName(c: CheckConfig, index: number): string {
  return c.name ?? (index === 0 ? checkKind(c) : `${checkKind(c)}-${index}`);
}

/** JSON Schema of medic.yaml (the input side: durations may be strings). */
export function configJsonSchema(): Record<string, unknown> {
  return z.toJSONSchema(configSchema, { io: 'input', unrepresentable: 'any' }) as Record<string, unknown>;
}
