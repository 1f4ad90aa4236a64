/** `playbooks.<name>.steps[]`: one remediation step each (and `rollback[]`, the explicit undo steps). */
import { z } from 'zod';
import { inheritEnv } from './checks.js';
import { ciCommentStep, ciFlakyIssueStep, ciRerunStep } from './ci.js';
import { argv, duration, envMap, name } from './common.js';
import { updateDependencyStep } from './deps.js';

const scalar = z.union([z.string(), z.number(), z.boolean()]);
const kubeTarget = {
  namespace: z.string().min(1).default('default').describe('The Kubernetes namespace.'),
  kubeconfig: z
    .string()
    .optional()
    .describe('A kubeconfig file; absent: $KUBECONFIG, ~/.kube/config or the in-cluster service account.'),
  context: z.string().optional().describe('The kubeconfig context (default: the current one).'),
};

export const systemdStep = z.strictObject({
  unit: z.string().min(1).describe('The systemd unit.'),
  action: z.enum(['restart', 'start', 'stop', 'reload']).default('restart').describe('What systemctl does.'),
  user: z.boolean().default(false).describe('`systemctl --user`.'),
});

export const dockerStep = z.strictObject({
  container: z.string().min(1).describe("The container's name or id."),
  action: z
    .enum(['restart', 'start', 'stop', 'recreate'])
    .default('restart')
    .describe('What Docker does; recreate: a new container from the same config (a clean writable layer).'),
  stop_timeout: duration
    .default(10_000)
    .describe(
      'How long Docker waits after SIGTERM before SIGKILL (stop, restart); whole seconds on the wire.',
    ),
  socket_path: z
    .string()
    .optional()
    .describe('A unix socket (default: $DOCKER_HOST, else /var/run/docker.sock).'),
  host: z.url().optional().describe('Or a TCP endpoint such as http://127.0.0.1:2375.'),
});

export const kubernetesStep = z
  .strictObject({
    action: z
      .enum(['rollout-restart', 'rollout-undo', 'delete-pod', 'scale'])
      .describe(
        'What Kubernetes does: restart a rollout, roll a Deployment back to an earlier revision, delete the failing pod, or scale.',
      ),
    kind: z
      .enum(['Deployment', 'StatefulSet', 'DaemonSet'])
      .default('Deployment')
      .describe("The workload's kind."),
    name: z.string().min(1).describe('The workload, or the pod for delete-pod.'),
    replicas: z.number().int().min(0).optional().describe('The replica count, for `action: scale`.'),
    to_revision: z
      .number()
      .int()
      .positive()
      .optional()
      .describe(
        'For `action: rollout-undo`: the revision rolled back to (default: the one before the current).',
      ),
    ...kubeTarget,
  })
  .superRefine((k, ctx) => {
    if (k.action === 'scale' && k.replicas === undefined)
      ctx.addIssue({ code: 'custom', path: ['replicas'], message: 'scale needs replicas' });
    if (k.action === 'scale' && k.kind === 'DaemonSet')
      ctx.addIssue({ code: 'custom', path: ['kind'], message: 'a DaemonSet cannot be scaled' });
    if (k.action !== 'scale' && k.replicas !== undefined)
      ctx.addIssue({ code: 'custom', path: ['replicas'], message: 'replicas is for action: scale' });
    if (k.action === 'rollout-undo' && k.kind !== 'Deployment')
      ctx.addIssue({ code: 'custom', path: ['kind'], message: 'rollout-undo is for a Deployment' });
    if (k.action !== 'rollout-undo' && k.to_revision !== undefined)
      ctx.addIssue({
        code: 'custom',
        path: ['to_revision'],
        message: 'to_revision is for action: rollout-undo',
      });
  });

export const pm2Step = z.strictObject({
  name: z.string().min(1).describe('The pm2 process name.'),
  action: z.enum(['restart', 'reload', 'start', 'stop']).default('restart').describe('What pm2 does.'),
  bin: z.string().min(1).default('pm2').describe('The pm2 program (looked up on PATH).'),
});

export const fileStep = z
  .strictObject({
    path: z.string().min(1).describe('relative to the config file'),
    format: z
      .enum(['yaml', 'json', 'env'])
      .optional()
      .describe('Inferred from the extension: .yaml/.yml, .json, .env (or a name starting with .env).'),
    key: z.string().min(1).describe('Dotted path: server.timeout (YAML, JSON) or the variable name (.env).'),
    value: scalar.optional().describe('The new value….'),
    by: z.number().optional().describe('…or a change to the current numeric value.'),
    min: z
      .number()
      .optional()
      .describe('Numeric bounds the new value must fall in (both required for numbers)….'),
    max: z.number().optional().describe('The highest value allowed.'),
    allowed: z
      .array(scalar)
      .min(1)
      .optional()
      .describe('…or the values allowed (strings, booleans, or numbers).'),
    create: z
      .boolean()
      .default(false)
      .describe(
        'Add the key when it is missing (default: a missing key is an error, not a silent addition).',
      ),
  })
  .superRefine((f, ctx) => {
    if ((f.value === undefined) === (f.by === undefined))
      ctx.addIssue({ code: 'custom', message: 'give exactly one of value, by' });
    const numeric = f.by !== undefined || typeof f.value === 'number';
    const hasRange = f.min !== undefined && f.max !== undefined;
    if (f.allowed === undefined && !(numeric && hasRange))
      ctx.addIssue({
        code: 'custom',
        message: numeric ? 'declare bounds: min and max, or allowed' : 'declare the allowed values',
      });
    if ((f.min === undefined) !== (f.max === undefined))
      ctx.addIssue({ code: 'custom', message: 'give both min and max' });
    if (f.min !== undefined && f.max !== undefined && f.min > f.max)
      ctx.addIssue({ code: 'custom', path: ['min'], message: 'min must not exceed max' });
  });

export const configRollbackStep = z.strictObject({
  path: z.string().min(1).describe('relative to the config file'),
});

export const scaleStep = z
  .strictObject({
    replicas: z.number().int().min(0).optional().describe('The new replica count….'),
    by: z
      .number()
      .int()
      .optional()
      .describe(
        '…or a change to the current one (Kubernetes only: a command cannot tell the current count).',
      ),
    min: z.number().int().min(0).default(0).describe('The fewest replicas allowed.'),
    max: z.number().int().min(1).describe('The most replicas allowed.'),
    kubernetes: z
      .strictObject({
        kind: z.enum(['Deployment', 'StatefulSet']).default('Deployment').describe("The workload's kind."),
        name: z.string().min(1).describe("The workload's name."),
        ...kubeTarget,
      })
      .optional()
      .describe('Scale a Kubernetes workload.'),
    command: argv.optional().describe('argv; `{{replicas}}` is the new count.'),
  })
  .superRefine((s, ctx) => {
    if ((s.kubernetes === undefined) === (s.command === undefined))
      ctx.addIssue({ code: 'custom', message: 'give exactly one of kubernetes, command' });
    if ((s.replicas === undefined) === (s.by === undefined))
      ctx.addIssue({ code: 'custom', message: 'give exactly one of replicas, by' });
    if (s.command !== undefined && s.by !== undefined)
      ctx.addIssue({ code: 'custom', path: ['by'], message: 'a command scale needs replicas, not by' });
    if (s.min > s.max) ctx.addIssue({ code: 'custom', path: ['min'], message: 'min must not exceed max' });
  });

export const waitStep = z.strictObject({
  duration: duration.describe('How long to wait (shorter than the step timeout).'),
});

export const notifyStep = z.strictObject({
  message: z.string().min(1).describe('The message sent.'),
  severity: z
    .enum(['info', 'warning', 'critical'])
    .default('warning')
    .describe("The message's severity (routes with a minimum severity filter on it)."),
  route: z.string().optional().describe('A notifier name; absent: the default route.'),
});

/** A network namespace's name (`ip netns`): the firewall changed is that namespace's. */
const netns = z.string().regex(/^[A-Za-z0-9][A-Za-z0-9_.-]{0,63}$/, 'a network namespace name');

/**
 * Bans an address in nftables (table `inet medic`, sets `banned4`/`banned6` with timeouts). The ban lasts
 * `duration`, times `factor` for each earlier ban of the address within `remember`, at most `max` (fail2ban's
 * bantime, bantime.increment and bantime.maxtime).
 */
export const blockStep = z.strictObject({
  address: z.string().min(1).describe('One IPv4 or IPv6 address, usually `{{ finding.labels.address }}`.'),
  duration: duration.default(600_000).describe("The first ban's length."),
  factor: z
    .number()
    .min(1)
    .default(4)
    .describe('Each earlier ban of the address within `remember` multiplies the length by this.'),
  max: duration.default(86_400_000).describe('A ban never lasts longer.'),
  remember: duration.default(7 * 86_400_000).describe('How long earlier bans count.'),
  verdict: z
    .enum(['reject', 'drop'])
    .default('reject')
    .describe('`reject` answers (a TCP connection is refused at once), `drop` stays silent.'),
  netns: netns.optional().describe("The network namespace whose firewall is changed (default: the host's)."),
  ports: z
    .array(z.number().int().min(1).max(65_535))
    .optional()
    .describe("TCP ports banned; default the service's `run.ports`, else (or `[]`) every port."),
});

/** Lifts a ban before it expires. */
export const unblockStep = z.strictObject({
  address: z.string().min(1).describe('The address (or `{{address}}` from the finding) whose ban is lifted.'),
  netns: netns.optional().describe("The network namespace whose firewall is changed (default: the host's)."),
});

/**
 * Terminates PostgreSQL sessions stuck in one state (idle in a transaction, or running one query) for longer
 * than `older_than`, with pg_terminate_backend. Its own session is never touched; superusers' sessions and
 * replication connections only when asked.
 */
export const postgresTerminateStep = z.strictObject({
  url: z
    .string()
    .regex(/^postgres(?:ql)?:\/\//, 'a postgres:// URL')
    .describe(
      'A postgres:// URL of a role that may signal the sessions (a superuser, or a member of pg_signal_backend); the password may come from PGPASSWORD.',
    ),
  state: z
    .enum(['idle_in_transaction', 'active'])
    .default('idle_in_transaction')
    .describe(
      'Which sessions: idle in a transaction (timed from their last statement) or running a query (timed from its start).',
    ),
  older_than: duration.describe('Only sessions in that state at least this long.'),
  application_name: z.string().min(1).optional().describe('Only sessions with this application_name.'),
  user: z.string().min(1).optional().describe('Only sessions of this role.'),
  include_superusers: z
    .boolean()
    .default(false)
    .describe("Also terminate superusers' sessions (by default they are left alone and named)."),
  include_replication: z
    .boolean()
    .default(false)
    .describe('Also terminate replication connections (walsenders).'),
  limit: z
    .number()
    .int()
    .min(1)
    .max(10_000)
    .default(1_000)
    .describe('At most this many sessions, the oldest first.'),
});

/**
 * Switches a Capistrano-style release link (`current` → `releases/<id>`) back to an earlier release, atomically
 * (a temporary link renamed over it). The playbook restarts the service after it.
 */
export const deployRollbackStep = z.strictObject({
  current: z
    .string()
    .min(1)
    .describe('The release link, a symlink such as `/srv/app/current` (relative to the config file).'),
  releases: z
    .string()
    .min(1)
    .optional()
    .describe('The directory holding one directory per release (default: `releases` beside the link).'),
  to: z
    .string()
    .regex(/^[^/\\]+$/, 'a release name, not a path')
    .refine((v) => v !== '.' && v !== '..', 'a release name, not a path')
    .optional()
    .describe(
      'The release to switch to; default: the newest one before the current release, by name (release names are timestamps, so they sort in time).',
    ),
});

/** The step keys, each selecting one action kind. */
export const STEP_KEYS = [
  'restart',
  'exec',
  'http',
  'systemd',
  'docker',
  'kubernetes',
  'pm2',
  'file',
  'config_rollback',
  'scale',
  'wait',
  'notify',
  'block',
  'unblock',
  'ci_rerun',
  'ci_comment',
  'ci_flaky_issue',
  'update_dependency',
  'postgres_terminate',
  'deploy_rollback',
] as const;

/** What a failed step does: go on, undo what ran (the default), or undo nothing and call a human now. */
export const onFailure = z.enum(['continue', 'rollback', 'escalate']);

export const stepSchema = z
  .strictObject({
    timeout: duration.default(30_000).describe('A step taking longer fails.'),
    retries: z
      .number()
      .int()
      .min(0)
      .max(10)
      .default(0)
      .describe('Extra attempts after a failed one (each with the full timeout), `retry_delay` apart.'),
    retry_delay: duration.default(1_000).describe('Delay between a failed attempt and the next.'),
    on_failure: onFailure
      .default('rollback')
      .describe(
        'What a failed step does: `continue`, `rollback` (undo what ran) or `escalate` (undo nothing, call a human now).',
      ),
    restart: z
      .strictObject({
        service: name.optional().describe('The service restarted (default: the one being healed).'),
      })
      .optional()
      .describe(
        'Restart a service (default: the one being healed), supervised or through its restart command.',
      ),
    exec: z
      .strictObject({
        command: argv.describe(
          "The command, as an argv list (no shell); `{{service}}` and the finding's labels are filled in.",
        ),
        cwd: z.string().optional().describe('The working directory; relative to the config file.'),
        env: envMap.default({}).describe('Environment variables set for the command.'),
        inherit_env: inheritEnv.describe(
          "Variables of Medic's own environment the command also gets: names, or prefixes ending in `*`.",
        ),
      })
      .optional()
      .describe('Run a command.'),
    http: z
      .strictObject({
        url: z.url().describe('The URL requested.'),
        method: z.enum(['GET', 'POST', 'PUT', 'DELETE']).default('POST').describe('The HTTP method.'),
        headers: z.record(z.string(), z.string()).default({}).describe('Request headers, name to value.'),
        body: z.string().optional().describe('The request body.'),
        status: z
          .union([z.number().int(), z.array(z.number().int())])
          .optional()
          .describe('The status code (or codes) that counts as success; default any 2xx.'),
      })
      .optional()
      .describe('Make an HTTP request (a cache flush, a feature flag).'),
    systemd: systemdStep.optional().describe('systemctl on a unit.'),
    docker: dockerStep.optional().describe('Restart, start, stop or recreate a container.'),
    kubernetes: kubernetesStep.optional().describe('Act on a Kubernetes workload.'),
    pm2: pm2Step.optional().describe('Act on a pm2 process.'),
    file: fileStep
      .optional()
      .describe(
        'Change one key of a config file (JSON, YAML, TOML, .env) within declared bounds, backed up first.',
      ),
    config_rollback: configRollbackStep
      .optional()
      .describe('Put a config file back to its last known good content.'),
    scale: scaleStep.optional().describe('Scale a workload within bounds.'),
    wait: waitStep.optional().describe('Wait, e.g. for a restarted service to warm up.'),
    notify: notifyStep
      .optional()
      .describe('Send a message to the notifiers (an `incident.escalated` notice).'),
    block: blockStep.optional().describe('Ban an address in nftables for a growing duration.'),
    unblock: unblockStep.optional().describe('Lift a ban.'),
    ci_rerun: ciRerunStep.optional().describe('Re-run a failed CI job (a flaky test).'),
    ci_comment: ciCommentStep.optional().describe('Comment on the failed commit with the diagnosis.'),
    ci_flaky_issue: ciFlakyIssueStep.optional().describe('Open an issue for a test that flaked often.'),
    update_dependency: updateDependencyStep
      .optional()
      .describe('Update a vulnerable package to its fixed version, test, and undo on failure.'),
    postgres_terminate: postgresTerminateStep
      .optional()
      .describe('Terminate PostgreSQL sessions idle in a transaction (or running a query) for too long.'),
    deploy_rollback: deployRollbackStep
      .optional()
      .describe('Switch a release link (`current`) back to the previous release, atomically.'),
  })
  .superRefine((s, ctx) => {
    const kinds = STEP_KEYS.filter((k) => s[k] !== undefined);
    if (kinds.length !== 1)
      ctx.addIssue({ code: 'custom', message: `a step needs exactly one of ${STEP_KEYS.join(', ')}` });
    if (s.wait && s.wait.duration >= s.timeout)
      ctx.addIssue({
        code: 'custom',
        path: ['wait', 'duration'],
        message: 'must be shorter than the step timeout',
      });
  });

export type StepConfig = z.output<typeof stepSchema>;
export type OnFailure = z.output<typeof onFailure>;
