import { resolve } from 'node:path';
import type {
  ConfigurationOptions,
  KubeConfig,
  ObservableMiddleware,
  V1ContainerStatus,
  V1Deployment,
  V1LabelSelector,
  V1Pod,
} from '@kubernetes/client-node';
import type { CheckConfig } from '../../config/index.js';
import { errorMessage, type ProbeResult } from '../../core/index.js';
import { describeNetError, startTimer, timedOut } from './common.js';
import type { Probe, ProbeContext } from './probe.js';

type KubeCheck = NonNullable<CheckConfig['kubernetes']>;
type KubeClient = typeof import('@kubernetes/client-node');

let client: Promise<KubeClient> | undefined;

/** The client costs ~80 MB and every fork of the daemon pays for it: loaded on the first kubernetes check. */
function loadClient(): Promise<KubeClient> {
  client ??= import('@kubernetes/client-node');
  return client;
}

/** Container waiting reasons that mean it will not run without a change or a fix (kubelet's words). */
const STUCK = new Set([
  'CrashLoopBackOff',
  'ImagePullBackOff',
  'ErrImagePull',
  'InvalidImageName',
  'CreateContainerConfigError',
  'CreateContainerError',
  'RunContainerError',
]);

/** One container (or a pod) that is not well, as it goes into details and the message. */
export interface PodProblem {
  pod: string;
  container: string | null;
  reason: string;
  restarts: number;
  /** Why the container last ended: OOMKilled, Error, or its exit code. */
  lastExit: string | null;
  message?: string;
}

/**
 * Restart counts are counters per pod since it was created: only a rise since the previous run is news.
 * Kept per check and pod uid; a pod replaced by another starts a new baseline.
 */
const lastRestarts = new Map<string, Map<string, number>>();

/** A Deployment's selector as a `labelSelector` query: matchLabels and matchExpressions, as kubectl writes it. */
export function selectorString(sel: V1LabelSelector | undefined): string {
  const parts = Object.entries(sel?.matchLabels ?? {}).map(([k, v]) => `${k}=${v}`);
  for (const e of sel?.matchExpressions ?? []) {
    const values = (e.values ?? []).join(',');
    if (e.operator === 'In') parts.push(`${e.key} in (${values})`);
    else if (e.operator === 'NotIn') parts.push(`${e.key} notin (${values})`);
    else if (e.operator === 'Exists') parts.push(e.key);
    else if (e.operator === 'DoesNotExist') parts.push(`!${e.key}`);
  }
  return parts.join(',');
}

function lastExit(cs: V1ContainerStatus): string | null {
  const t = cs.lastState?.terminated ?? cs.state?.terminated;
  if (!t) return null;
  return t.reason && t.reason !== 'Error' ? t.reason : `exit code ${t.exitCode}`;
}

/** What is wrong with one pod's containers (init containers too) and its scheduling; empty when nothing. */
export function podProblems(pod: V1Pod): PodProblem[] {
  const name = pod.metadata?.name ?? '?';
  const out: PodProblem[] = [];
  const statuses = [...(pod.status?.initContainerStatuses ?? []), ...(pod.status?.containerStatuses ?? [])];
  for (const cs of statuses) {
    const waiting = cs.state?.waiting?.reason;
    const terminated = cs.state?.terminated?.reason;
    const reason =
      waiting && STUCK.has(waiting) ? waiting : terminated === 'OOMKilled' ? 'OOMKilled' : undefined;
    if (!reason) continue;
    const message = cs.state?.waiting?.message;
    out.push({
      pod: name,
      container: cs.name,
      reason,
      restarts: cs.restartCount,
      lastExit: lastExit(cs),
      ...(message && { message }),
    });
  }
  const scheduled = pod.status?.conditions?.find((c) => c.type === 'PodScheduled');
  if (scheduled?.status === 'False' && scheduled.reason === 'Unschedulable') {
    out.push({
      pod: name,
      container: null,
      reason: 'Unschedulable',
      restarts: 0,
      lastExit: null,
      ...(scheduled.message && { message: scheduled.message }),
    });
  }
  return out;
}

function describeProblem(p: PodProblem): string {
  const where = p.container ? `pod ${p.pod} container ${p.container}` : `pod ${p.pod}`;
  const facts = p.container
    ? [
        `${p.restarts} restart${p.restarts === 1 ? '' : 's'}`,
        ...(p.lastExit ? [`last exit ${p.lastExit}`] : []),
      ]
    : [];
  // An image pull or scheduling message names the cause ("not found", "Insufficient memory"); short, as it goes in a line.
  if (p.message && (p.reason === 'Unschedulable' || /Image|Err/.test(p.reason)))
    facts.push(p.message.length > 160 ? `${p.message.slice(0, 159)}…` : p.message);
  return `${where}: ${p.reason}${facts.length ? ` (${facts.join(', ')})` : ''}`;
}

/** Rejects when the signal fires, so a hung API server cannot hold the probe past its timeout. */
function abortable<T>(p: Promise<T>, signal: AbortSignal): Promise<T> {
  return new Promise((res, rej) => {
    const onAbort = () => rej(signal.reason ?? new Error('aborted'));
    // Handled in every case: the request rejects too once the signal has cancelled it.
    p.then(res, rej).finally(() => signal.removeEventListener('abort', onAbort));
    if (signal.aborted) onAbort();
    else signal.addEventListener('abort', onAbort, { once: true });
  });
}

/** Request options that cancel the HTTP request itself when the check's signal fires. */
function withSignal(k: KubeClient, signal: AbortSignal): ConfigurationOptions {
  const middleware: ObservableMiddleware = {
    pre: (ctx) => {
      ctx.setSignal(signal);
      return new k.Observable(Promise.resolve(ctx));
    },
    post: (res) => new k.Observable(Promise.resolve(res)),
  };
  return { middleware: [middleware], middlewareMergeStrategy: 'append' };
}

function kubeConfig(k: KubeClient, kc: KubeCheck, baseDir: string): KubeConfig {
  const config = new k.KubeConfig();
  if (kc.kubeconfig) config.loadFromFile(resolve(baseDir, kc.kubeconfig));
  else config.loadFromDefault();
  if (kc.context) config.setCurrentContext(kc.context);
  return config;
}

/** The v1 Status message the API server answered with (client-node hands the body over as text or object). */
function statusMessage(body: unknown): string {
  let b: unknown = body;
  if (typeof body === 'string') {
    try {
      b = JSON.parse(body);
    } catch {
      return body ? `: ${body.slice(0, 200)}` : '';
    }
  }
  const m = (b as { message?: unknown } | null)?.message;
  return typeof m === 'string' && m ? `: ${m}` : '';
}

/**
 * A Deployment's health through the Kubernetes API (@kubernetes/client-node; a kubeconfig, or in-cluster):
 * its ready replicas of the desired count, and its pods (by the Deployment's own selector) stuck in
 * CrashLoopBackOff, an image pull back-off, OOM-killed or unschedulable, with their restart counts. No ready
 * replica of a desired one is `down`; fewer ready than desired, a stuck pod, a restart since the previous
 * run or a rollout past its progress deadline is `degraded`. Pods being deleted are left out (a rollout
 * replaces them).
 */
export const kubernetesProbe: Probe = {
  kind: 'kubernetes',
  async run(check: CheckConfig, ctx: ProbeContext): Promise<ProbeResult> {
    const kc = check.kubernetes;
    if (!kc) return { ok: false, latencyMs: 0, message: 'not a kubernetes check' };
    const what = `deployment ${kc.namespace}/${kc.deployment}`;
    const details: Record<string, unknown> = { namespace: kc.namespace, deployment: kc.deployment };
    if (ctx.signal.aborted) return timedOut(check, 0, details);
    const elapsed = startTimer();
    const k = await loadClient();
    // The first load takes seconds on a busy machine and may use up the timeout.
    if (ctx.signal.aborted) return timedOut(check, elapsed(), details);
    let config: KubeConfig;
    try {
      config = kubeConfig(k, kc, ctx.baseDir);
      if (!config.getCurrentCluster()) throw new Error('no current cluster in the kubeconfig');
    } catch (err) {
      const from = kc.kubeconfig ? resolve(ctx.baseDir, kc.kubeconfig) : 'the default kubeconfig';
      return {
        ok: false,
        latencyMs: elapsed(),
        message: `cannot load ${from}: ${errorMessage(err)}`,
        details,
      };
    }
    const server = config.getCurrentCluster()?.server;
    const opts = withSignal(k, ctx.signal);
    let stage = `reading ${what}`;
    try {
      const apps = config.makeApiClient(k.AppsV1Api);
      const core = config.makeApiClient(k.CoreV1Api);
      const dep = await abortable(
        apps.readNamespacedDeployment({ name: kc.deployment, namespace: kc.namespace }, opts),
        ctx.signal,
      );
      stage = `listing the pods of ${what}`;
      const labelSelector = selectorString(dep.spec?.selector);
      const pods = await abortable(
        core.listNamespacedPod({ namespace: kc.namespace, labelSelector }, opts),
        ctx.signal,
      );
      const key = `${ctx.service}\0${server}\0${kc.namespace}\0${kc.deployment}`;
      return judge(key, dep, pods.items, details, elapsed());
    } catch (err) {
      if (ctx.signal.aborted) return timedOut(check, elapsed(), details);
      if (err instanceof k.ApiException) {
        const code = (err as { code: number }).code;
        details.status = code;
        const message =
          code === 404 && stage.startsWith('reading')
            ? `${what} not found`
            : `${stage}: the API server answered ${code}${
                // client-node drops a 401's body: say what it means.
                statusMessage((err as { body: unknown }).body) ||
                (code === 401 ? ": Unauthorized (the kubeconfig's credentials were refused)" : '')
              }`;
        return { ok: false, latencyMs: elapsed(), message, details };
      }
      return {
        ok: false,
        latencyMs: elapsed(),
        message: `cannot reach the Kubernetes API at ${server}: ${describeNetError(err)}`,
        details,
      };
    }
  },
};

function judge(
  key: string,
  dep: V1Deployment,
  allPods: V1Pod[],
  details: Record<string, unknown>,
  latencyMs: number,
): ProbeResult {
  const desired = dep.spec?.replicas ?? 1;
  const ready = dep.status?.readyReplicas ?? 0;
  const available = dep.status?.availableReplicas ?? 0;
  const updated = dep.status?.updatedReplicas ?? 0;
  const pods = allPods.filter((p) => !p.metadata?.deletionTimestamp);
  const problems = pods.flatMap(podProblems);

  const restartsOf = (p: V1Pod) =>
    [...(p.status?.initContainerStatuses ?? []), ...(p.status?.containerStatuses ?? [])].reduce(
      (n, cs) => n + cs.restartCount,
      0,
    );
  const before = lastRestarts.get(key);
  const now = new Map(pods.map((p) => [p.metadata?.uid ?? p.metadata?.name ?? '', restartsOf(p)]));
  lastRestarts.set(key, now);
  const risen: string[] = [];
  let rise = 0;
  for (const p of pods) {
    const was = before?.get(p.metadata?.uid ?? p.metadata?.name ?? '');
    const n = restartsOf(p) - (was ?? Number.POSITIVE_INFINITY);
    if (n <= 0) continue;
    rise += n;
    const cs = (p.status?.containerStatuses ?? []).find((c) => c.lastState?.terminated);
    const exit = cs ? lastExit(cs) : null;
    risen.push(
      `pod ${p.metadata?.name} restarted ${n} time${n === 1 ? '' : 's'} since the last check` +
        (exit ? ` (last exit ${exit})` : ''),
    );
  }
  const stalled = dep.status?.conditions?.find(
    (c) => c.type === 'Progressing' && c.status === 'False' && c.reason === 'ProgressDeadlineExceeded',
  );

  Object.assign(details, {
    desiredReplicas: desired,
    readyReplicas: ready,
    availableReplicas: available,
    updatedReplicas: updated,
    pods: pods.map((p) => ({
      name: p.metadata?.name,
      phase: p.status?.phase,
      ready: p.status?.conditions?.some((c) => c.type === 'Ready' && c.status === 'True') ?? false,
      restarts: restartsOf(p),
    })),
    restarts: pods.reduce((n, p) => n + restartsOf(p), 0),
    restartsSinceLastCheck: rise,
    problems,
    progressDeadlineExceeded: stalled !== undefined,
  });

  const replicas = `${ready} of ${desired} replica${desired === 1 ? '' : 's'} ready`;
  const trouble = [
    ...problems.map(describeProblem),
    ...risen,
    ...(stalled
      ? [`rollout stuck: ProgressDeadlineExceeded${stalled.message ? ` (${stalled.message})` : ''}`]
      : []),
  ];
  const message = [replicas, ...trouble].join('; ');
  if (desired > 0 && ready === 0) return { ok: false, latencyMs, message, details };
  if (ready < desired || trouble.length > 0)
    return { ok: false, degraded: true, latencyMs, message, details };
  const total = details.restarts as number;
  return {
    ok: true,
    latencyMs,
    message:
      `${replicas} (${updated} updated, ${available} available); ` +
      `${pods.length} pod${pods.length === 1 ? '' : 's'}, ${total} restart${total === 1 ? '' : 's'}`,
    details,
  };
}
