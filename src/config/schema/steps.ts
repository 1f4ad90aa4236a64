/** `playbooks.<name>.steps[]`: one remediation step each (and `rollback[]`, the explicit undo steps). */
import { z } from 'zod';
import { inheritEnv } from './checks.js';
import { ciRerunStep } from './ci.js';
import { argv, duration, envMap, name } from './common.js';

const scalar = z.union([z.string(), z.number(), z.boolean()]);
const kubeTarget = {
  namespace: z.string().min(1).default('default'),
  /** A kubeconfig file; absent: $KUBECONFIG, ~/.kube/config or the in-cluster service account. */
  kubeconfig: z.string().optional(),
  context: z.string().optional(),
};

export const systemdStep = z.strictObject({
  unit: z.string().min(1),
  action: z.enum(['restart', 'start', 'stop', 'reload']).default('restart'),
  /** `systemctl --user`. */
  user: z.boolean().default(false),
});

export const dockerStep = z.strictObject({
  container: z.string().min(1),
  action: z.enum(['restart', 'start', 'stop']).default('restart'),
  /** How long Docker waits after SIGTERM before SIGKILL (stop, restart); whole seconds on the wire. */
  stop_timeout: duration.default(10_000),
  /** A unix socket (default: $DOCKER_HOST, else /var/run/docker.sock). */
  socket_path: z.string().optional(),
  /** Or a TCP endpoint such as http://127.0.0.1:2375. */
  host: z.url().optional(),
});

export const kubernetesStep = z
  .strictObject({
    action: z.enum(['rollout-restart', 'delete-pod', 'scale']),
    kind: z.enum(['Deployment', 'StatefulSet', 'DaemonSet']).default('Deployment'),
    /** The workload, or the pod for delete-pod. */
    name: z.string().min(1),
    replicas: z.number().int().min(0).optional(),
    ...kubeTarget,
  })
  .superRefine((k, ctx) => {
    if (k.action === 'scale' && k.replicas === undefined)
      ctx.addIssue({ code: 'custom', path: ['replicas'], message: 'scale needs replicas' });
    if (k.action === 'scale' && k.kind === 'DaemonSet')
      ctx.addIssue({ code: 'custom', path: ['kind'], message: 'a DaemonSet cannot be scaled' });
    if (k.action !== 'scale' && k.replicas !== undefined)
      ctx.addIssue({ code: 'custom', path: ['replicas'], message: 'replicas is for action: scale' });
  });

export const pm2Step = z.strictObject({
  name: z.string().min(1),
  action: z.enum(['restart', 'reload', 'start', 'stop']).default('restart'),
  /** The pm2 program (looked up on PATH). */
  bin: z.string().min(1).default('pm2'),
});

export const fileStep = z
  .strictObject({
    path: z.string().min(1).describe('relative to the config file'),
    /** Inferred from the extension: .yaml/.yml, .json, .env (or a name starting with .env). */
    format: z.enum(['yaml', 'json', 'env']).optional(),
    /** Dotted path: server.timeout (YAML, JSON) or the variable name (.env). */
    key: z.string().min(1),
    /** The new value… */
    value: scalar.optional(),
    /** …or a change to the current numeric value. */
    by: z.number().optional(),
    /** Numeric bounds the new value must fall in (both required for numbers)… */
    min: z.number().optional(),
    max: z.number().optional(),
    /** …or the values allowed (strings, booleans, or numbers). */
    allowed: z.array(scalar).min(1).optional(),
    /** Add the key when it is missing (default: a missing key is an error, not a silent addition). */
    create: z.boolean().default(false),
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
    /** The new replica count… */
    replicas: z.number().int().min(0).optional(),
    /** …or a change to the current one (Kubernetes only: a command cannot tell the current count). */
    by: z.number().int().optional(),
    min: z.number().int().min(0).default(0),
    max: z.number().int().min(1),
    kubernetes: z
      .strictObject({
        kind: z.enum(['Deployment', 'StatefulSet']).default('Deployment'),
        name: z.string().min(1),
        ...kubeTarget,
      })
      .optional(),
    /** argv; `{{replicas}}` is the new count. */
    command: argv.optional(),
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

export const waitStep = z.strictObject({ duration });

export const notifyStep = z.strictObject({
  message: z.string().min(1),
  severity: z.enum(['info', 'warning', 'critical']).default('warning'),
  /** A notifier name; absent: the default route. */
  route: z.string().optional(),
});

/** A network namespace's name (`ip netns`): the firewall changed is that namespace's. */
const netns = z.string().regex(/^[A-Za-z0-9][A-Za-z0-9_.-]{0,63}$/, 'a network namespace name');

/**
 * Bans an address in nftables (table `inet medic`, sets `banned4`/`banned6` with timeouts). The ban lasts
 * `duration`, times `factor` for each earlier ban of the address within `remember`, at most `max` (fail2ban's
 * bantime, bantime.increment and bantime.maxtime).
 */
export const blockStep = z.strictObject({
  /** One IPv4 or IPv6 address, usually `{{ finding.labels.address }}`. */
  address: z.string().min(1),
  duration: duration.default(600_000),
  factor: z.number().min(1).default(4),
  max: duration.default(86_400_000),
  remember: duration.default(7 * 86_400_000),
  /** `reject` answers (a TCP connection is refused at once), `drop` stays silent. */
  verdict: z.enum(['reject', 'drop']).default('reject'),
  netns: netns.optional(),
  /** TCP ports banned; default the service's `run.ports`, else (or `[]`) every port. */
  ports: z.array(z.number().int().min(1).max(65_535)).optional(),
});

/** Lifts a ban before it expires. */
export const unblockStep = z.strictObject({ address: z.string().min(1), netns: netns.optional() });

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
] as const;

/** What a failed step does: go on, undo what ran (the default), or undo nothing and call a human now. */
export const onFailure = z.enum(['continue', 'rollback', 'escalate']);

export const stepSchema = z
  .strictObject({
    timeout: duration.default(30_000),
    /** Extra attempts after a failed one (each with the full timeout), `retry_delay` apart. */
    retries: z.number().int().min(0).max(10).default(0),
    retry_delay: duration.default(1_000),
    on_failure: onFailure.default('rollback'),
    restart: z.strictObject({ service: name.optional() }).optional(),
    exec: z
      .strictObject({
        command: argv,
        cwd: z.string().optional(),
        env: envMap.default({}),
        inherit_env: inheritEnv,
      })
      .optional(),
    http: z
      .strictObject({
        url: z.url(),
        method: z.enum(['GET', 'POST', 'PUT', 'DELETE']).default('POST'),
        headers: z.record(z.string(), z.string()).default({}),
        body: z.string().optional(),
        status: z.union([z.number().int(), z.array(z.number().int())]).optional(),
      })
      .optional(),
    systemd: systemdStep.optional(),
    docker: dockerStep.optional(),
    kubernetes: kubernetesStep.optional(),
    pm2: pm2Step.optional(),
    file: fileStep.optional(),
    config_rollback: configRollbackStep.optional(),
    scale: scaleStep.optional(),
    wait: waitStep.optional(),
    notify: notifyStep.optional(),
    block: blockStep.optional(),
    unblock: unblockStep.optional(),
    ci_rerun: ciRerunStep.optional(),
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
