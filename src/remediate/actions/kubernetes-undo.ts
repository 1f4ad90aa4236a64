import type { V1Deployment, V1PodTemplateSpec, V1ReplicaSet } from '@kubernetes/client-node';
import { ActionError } from '../../core/index.js';
import { selectorString } from '../../sources/index.js';
import { type KubeTarget, kube, kubeConfig, loadClient } from './kubernetes-client.js';

const REVISION = 'deployment.kubernetes.io/revision';
/** Annotations a rollback keeps from the Deployment rather than copying from the ReplicaSet (as kubectl). */
const KEPT = new Set([
  'kubectl.kubernetes.io/last-applied-configuration',
  REVISION,
  'deployment.kubernetes.io/revision-history',
  'deployment.kubernetes.io/desired-replicas',
  'deployment.kubernetes.io/max-replicas',
  'deprecated.deployment.rollback.to',
]);

const revisionOf = (o: { metadata?: { annotations?: Record<string, string> } }) =>
  Number(o.metadata?.annotations?.[REVISION] ?? Number.NaN);

/** A pod template without the pod-template-hash label the Deployment controller adds to its ReplicaSets. */
function withoutHash(t: V1PodTemplateSpec | undefined): V1PodTemplateSpec {
  const labels = { ...(t?.metadata?.labels ?? {}) };
  delete labels['pod-template-hash'];
  return { ...t, metadata: { ...t?.metadata, labels } };
}

/** Key order aside, the same JSON. */
function same(a: unknown, b: unknown): boolean {
  const norm = (v: unknown): unknown =>
    Array.isArray(v)
      ? v.map(norm)
      : v && typeof v === 'object'
        ? Object.fromEntries(
            Object.entries(v)
              .filter(([, x]) => x !== undefined)
              .sort(([x], [y]) => x.localeCompare(y))
              .map(([k, x]) => [k, norm(x)]),
          )
        : v;
  return JSON.stringify(norm(a)) === JSON.stringify(norm(b));
}

async function readDeployment(t: KubeTarget, signal: AbortSignal) {
  const k = await loadClient();
  const apps = kubeConfig(k, t).makeApiClient(k.AppsV1Api);
  const dep = await kube(k, `read deployment/${t.name}`, signal, () =>
    apps.readNamespacedDeployment({ name: t.name, namespace: t.namespace }),
  );
  return { k, apps, dep };
}

/** The Deployment's current revision (its `deployment.kubernetes.io/revision`), or null before its first. */
export async function currentRevision(t: KubeTarget, signal: AbortSignal): Promise<number | null> {
  const { dep } = await readDeployment(t, signal);
  const r = revisionOf(dep);
  return Number.isFinite(r) ? r : null;
}

/**
 * `kubectl rollout undo deployment/NAME [--to-revision=N]`: the pod template of the Deployment's ReplicaSet at
 * that revision (default: the one before the current) replaces the Deployment's, by a JSON patch, and the
 * Deployment controller rolls it out as a new revision. A paused Deployment, no earlier revision, or a
 * template already the same is refused, as kubectl refuses them.
 */
export async function rolloutUndo(
  t: KubeTarget,
  toRevision: number | null,
  signal: AbortSignal,
): Promise<{ from: number | null; to: number }> {
  if (t.kind !== 'Deployment') throw new ActionError(`rollout undo is for a Deployment, not a ${t.kind}`);
  const { k, apps, dep } = await readDeployment(t, signal);
  const what = `rollout undo deployment/${t.name}`;
  if (dep.spec?.paused) throw new ActionError(`${what}: the Deployment is paused; resume it first`);
  const list = await kube(k, `${what}: list replicasets`, signal, () =>
    apps.listNamespacedReplicaSet({
      namespace: t.namespace,
      labelSelector: selectorString(dep.spec?.selector),
    }),
  );
  const owned = list.items.filter((rs: V1ReplicaSet) =>
    rs.metadata?.ownerReferences?.some((o) => o.controller && o.uid === dep.metadata?.uid),
  );
  const from = Number.isFinite(revisionOf(dep)) ? revisionOf(dep) : null;
  const revisions = owned
    .map(revisionOf)
    .filter(Number.isFinite)
    .sort((a, b) => b - a);
  const to = toRevision ?? revisions.find((r) => r !== (from ?? revisions[0]));
  if (to === undefined) throw new ActionError(`${what}: no earlier revision to roll back to`);
  const rs = owned.find((r) => revisionOf(r) === to);
  if (!rs)
    throw new ActionError(
      `${what}: revision ${to} is not in its history (${revisions.join(', ') || 'none'})`,
    );
  const template = withoutHash(rs.spec?.template);
  if (same(template, withoutHash(dep.spec?.template))) {
    throw new ActionError(`${what}: the current template already is revision ${to}'s`);
  }
  const annotations: Record<string, string> = {};
  for (const [key, v] of Object.entries(dep.metadata?.annotations ?? {}))
    if (KEPT.has(key)) annotations[key] = v;
  for (const [key, v] of Object.entries(rs.metadata?.annotations ?? {}))
    if (!KEPT.has(key)) annotations[key] = v;
  const body = [
    { op: 'replace', path: '/spec/template', value: template },
    { op: 'replace', path: '/metadata/annotations', value: annotations },
  ];
  const opts = k.setHeaderOptions('Content-Type', k.PatchStrategy.JsonPatch);
  await kube<V1Deployment>(k, what, signal, () =>
    apps.patchNamespacedDeployment(
      { name: t.name, namespace: t.namespace, body, fieldManager: 'medic' },
      opts,
    ),
  );
  return { from, to };
}
