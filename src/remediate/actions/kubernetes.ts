import type { KubeConfig } from '@kubernetes/client-node';
import { ActionError, errorMessage } from '../../core/index.js';
import { baseVars, renderString } from '../template.js';
import type { ActionPlan, PlanContext, RemediationAction } from './action.js';
import { type ExtendedStep, kubernetesStep, parseStep } from './steps.js';
import { abortable, resolvePath } from './util.js';

/** Where a workload lives and how to reach its API server. */
export interface KubeTarget {
  kind: 'Deployment' | 'StatefulSet' | 'DaemonSet';
  name: string;
  namespace: string;
  /** Absolute path of a kubeconfig; null: $KUBECONFIG, ~/.kube/config or in-cluster. */
  kubeconfig: string | null;
  context: string | null;
}

/** DNS-1123 names (pods, workloads, namespaces): safe in a URL path. */
const DNS_NAME = /^[a-z0-9]([a-z0-9.-]{0,251}[a-z0-9])?$/;

export function kubeName(what: string, value: string): string {
  if (!DNS_NAME.test(value)) throw new ActionError(`invalid Kubernetes ${what} ${JSON.stringify(value)}`);
  return value;
}

export function kubeTarget(
  raw: { kind: KubeTarget['kind']; name: string; namespace: string; kubeconfig?: string; context?: string },
  service: string,
  pctx: PlanContext | undefined,
): KubeTarget {
  const vars = baseVars(service, pctx?.vars);
  return {
    kind: raw.kind,
    name: kubeName('name', renderString(raw.name, vars)),
    namespace: kubeName('namespace', renderString(raw.namespace, vars)),
    kubeconfig: raw.kubeconfig ? resolvePath(raw.kubeconfig, pctx) : null,
    context: raw.context ?? null,
  };
}

type KubeClient = typeof import('@kubernetes/client-node');
let client: Promise<KubeClient> | undefined;

/** The client costs ~80 MB and every fork of the daemon pays for it: loaded on first use, not with Medic. */
function loadClient(): Promise<KubeClient> {
  client ??= import('@kubernetes/client-node');
  return client;
}

function kubeConfig(k: KubeClient, t: KubeTarget): KubeConfig {
  const kc = new k.KubeConfig();
  if (t.kubeconfig) kc.loadFromFile(t.kubeconfig);
  else kc.loadFromDefault();
  if (t.context) kc.setCurrentContext(t.context);
  return kc;
}

async function kube<T>(k: KubeClient, what: string, signal: AbortSignal, call: () => Promise<T>): Promise<T> {
  try {
    return await abortable(call(), signal);
  } catch (err) {
    if (err instanceof k.ApiException) {
      throw new ActionError(`${what}: the API server answered ${err.code}${statusMessage(err.body)}`, {
        cause: err,
      });
    }
    if (err instanceof ActionError) throw err;
    throw new ActionError(`${what} failed: ${errorMessage(err)}`, { cause: err });
  }
}

/** The message of a v1 Status the API server answered (client-node hands it over as text or object). */
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

/** `kubectl rollout restart`: a strategic-merge PATCH of the pod template's restartedAt annotation. */
export async function rolloutRestart(t: KubeTarget, at: Date, signal: AbortSignal): Promise<void> {
  const k = await loadClient();
  const apps = kubeConfig(k, t).makeApiClient(k.AppsV1Api);
  const body = {
    spec: {
      template: { metadata: { annotations: { 'kubectl.kubernetes.io/restartedAt': at.toISOString() } } },
    },
  };
  const req = { name: t.name, namespace: t.namespace, body, fieldManager: 'medic' };
  const opts = k.setHeaderOptions('Content-Type', k.PatchStrategy.StrategicMergePatch);
  const what = `rollout restart ${t.kind.toLowerCase()}/${t.name}`;
  await kube<unknown>(k, what, signal, () => {
    if (t.kind === 'StatefulSet') return apps.patchNamespacedStatefulSet(req, opts);
    if (t.kind === 'DaemonSet') return apps.patchNamespacedDaemonSet(req, opts);
    return apps.patchNamespacedDeployment(req, opts);
  });
}

export async function deletePod(t: KubeTarget, signal: AbortSignal): Promise<void> {
  const k = await loadClient();
  const core = kubeConfig(k, t).makeApiClient(k.CoreV1Api);
  await kube(k, `delete pod/${t.name}`, signal, () =>
    core.deleteNamespacedPod({ name: t.name, namespace: t.namespace }),
  );
}

/** The replica count, through the scale subresource. */
export async function readReplicas(t: KubeTarget, signal: AbortSignal): Promise<number> {
  const k = await loadClient();
  const apps = kubeConfig(k, t).makeApiClient(k.AppsV1Api);
  const req = { name: t.name, namespace: t.namespace };
  const scale = await kube(k, `read scale of ${t.kind.toLowerCase()}/${t.name}`, signal, () =>
    t.kind === 'StatefulSet'
      ? apps.readNamespacedStatefulSetScale(req)
      : apps.readNamespacedDeploymentScale(req),
  );
  return scale.spec?.replicas ?? 0;
}

/** Sets the replica count: a merge PATCH of the scale subresource (what `kubectl scale` does). */
export async function writeReplicas(t: KubeTarget, replicas: number, signal: AbortSignal): Promise<void> {
  if (t.kind === 'DaemonSet') throw new ActionError('a DaemonSet cannot be scaled');
  const k = await loadClient();
  const apps = kubeConfig(k, t).makeApiClient(k.AppsV1Api);
  const req = { name: t.name, namespace: t.namespace, body: { spec: { replicas } }, fieldManager: 'medic' };
  const opts = k.setHeaderOptions('Content-Type', k.PatchStrategy.MergePatch);
  await kube(k, `scale ${t.kind.toLowerCase()}/${t.name}`, signal, () =>
    t.kind === 'StatefulSet'
      ? apps.patchNamespacedStatefulSetScale(req, opts)
      : apps.patchNamespacedDeploymentScale(req, opts),
  );
}

function target(plan: ActionPlan): KubeTarget {
  return plan.params['target'] as KubeTarget;
}

/** Rollout restart of a workload, deleting a pod, or scaling, through @kubernetes/client-node. */
export const kubernetesAction: RemediationAction<ExtendedStep> = {
  kind: 'kubernetes',
  plan(step, service, _services, pctx) {
    const s = parseStep(kubernetesStep, step.kubernetes, 'kubernetes');
    const t = kubeTarget(s, service, pctx);
    const what = s.action === 'delete-pod' ? `pod/${t.name}` : `${t.kind.toLowerCase()}/${t.name}`;
    const suffix = s.action === 'scale' ? ` to ${s.replicas}` : '';
    return {
      kind: 'kubernetes',
      target: service,
      params: { action: s.action, target: { ...t }, replicas: s.replicas ?? null },
      description: `kubernetes ${s.action} ${what} in ${t.namespace}${suffix}`,
    };
  },
  async snapshot(plan, ctx) {
    if (plan.params['action'] !== 'scale') return {};
    return { replicas: await readReplicas(target(plan), ctx.signal) };
  },
  async apply(plan, ctx) {
    const t = target(plan);
    switch (plan.params['action']) {
      case 'rollout-restart': {
        const at = new Date(ctx.clock?.now() ?? Date.now());
        await rolloutRestart(t, at, ctx.signal);
        return `restarted ${t.kind.toLowerCase()}/${t.name} in ${t.namespace} (restartedAt ${at.toISOString()})`;
      }
      case 'delete-pod':
        await deletePod(t, ctx.signal);
        return `deleted pod/${t.name} in ${t.namespace}`;
      default: {
        const n = plan.params['replicas'] as number;
        await writeReplicas(t, n, ctx.signal);
        return `scaled ${t.kind.toLowerCase()}/${t.name} in ${t.namespace} to ${n}`;
      }
    }
  },
  async rollback(plan, ctx, backup) {
    const t = target(plan);
    const before = backup.state?.['replicas'];
    if (plan.params['action'] !== 'scale')
      throw new ActionError(`a kubernetes ${plan.params['action']} cannot be undone`);
    if (typeof before !== 'number') throw new ActionError('the replica count before the scale is unknown');
    await writeReplicas(t, before, ctx.signal);
    return `scaled ${t.kind.toLowerCase()}/${t.name} back to ${before}`;
  },
};
