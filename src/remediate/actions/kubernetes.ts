import { ActionError } from '../../core/index.js';
import type { ActionPlan, RemediationAction } from './action.js';
import { type KubeTarget, kube, kubeConfig, kubeTarget, loadClient } from './kubernetes-client.js';
import { currentRevision, rolloutUndo } from './kubernetes-undo.js';
import { type ExtendedStep, kubernetesStep, parseStep } from './steps.js';

export { type KubeTarget, kubeName, kubeTarget } from './kubernetes-client.js';

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

/** Rollout restart or undo of a workload, deleting a pod, or scaling, through @kubernetes/client-node. */
export const kubernetesAction: RemediationAction<ExtendedStep> = {
  kind: 'kubernetes',
  plan(step, service, _services, pctx) {
    const s = parseStep(kubernetesStep, step.kubernetes, 'kubernetes');
    const t = kubeTarget(s, service, pctx);
    const what = s.action === 'delete-pod' ? `pod/${t.name}` : `${t.kind.toLowerCase()}/${t.name}`;
    const suffix =
      s.action === 'scale'
        ? ` to ${s.replicas}`
        : s.to_revision !== undefined
          ? ` to revision ${s.to_revision}`
          : '';
    return {
      kind: 'kubernetes',
      target: service,
      params: {
        action: s.action,
        target: { ...t },
        replicas: s.replicas ?? null,
        toRevision: s.to_revision ?? null,
      },
      description: `kubernetes ${s.action} ${what} in ${t.namespace}${suffix}`,
    };
  },
  async snapshot(plan, ctx) {
    // The revision before an undo is what undoing the undo goes back to.
    if (plan.params['action'] === 'rollout-undo')
      return { revision: await currentRevision(target(plan), ctx.signal) };
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
      case 'rollout-undo': {
        const { from, to } = await rolloutUndo(t, plan.params['toRevision'] as number | null, ctx.signal);
        return `rolled deployment/${t.name} in ${t.namespace} back to revision ${to}'s template (was revision ${from ?? 'unknown'})`;
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
    if (plan.params['action'] === 'rollout-undo') {
      const was = backup.state?.['revision'];
      if (typeof was !== 'number') throw new ActionError('the revision before the undo is unknown');
      await rolloutUndo(t, was, ctx.signal);
      return `rolled deployment/${t.name} in ${t.namespace} forward again to revision ${was}'s template`;
    }
    const before = backup.state?.['replicas'];
    if (plan.params['action'] !== 'scale')
      throw new ActionError(`a kubernetes ${plan.params['action']} cannot be undone`);
    if (typeof before !== 'number') throw new ActionError('the replica count before the scale is unknown');
    await writeReplicas(t, before, ctx.signal);
    return `scaled ${t.kind.toLowerCase()}/${t.name} back to ${before}`;
  },
};
