import { readFile, writeFile } from 'node:fs/promises';
import path from 'node:path';
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { SimulatedClock } from '../../core/index.js';
import { kubernetesAction } from './kubernetes.js';
import type { ExtendedStep } from './steps.js';
import { type FakeKube, fakeKube, tempDir, testContext } from './testing.js';

let kube: FakeKube;
let dir: string;

beforeAll(async () => {
  dir = await tempDir();
  kube = await fakeKube(dir);
});
afterAll(() => kube.close());
beforeEach(() => {
  kube.requests.length = 0;
  kube.workloads.clear();
  kube.workloads.set('shop/deployments/api', { replicas: 2, annotations: { team: 'payments' } });
  kube.workloads.set('default/statefulsets/db', { replicas: 3, annotations: {} });
  kube.pods.clear();
  kube.pods.add('shop/api-7d9f-x2');
});

const step = (k: Record<string, unknown>) =>
  ({ timeout: 30_000, kubernetes: { kubeconfig: kube.kubeconfig, ...k } }) as unknown as ExtendedStep;

describe('kubernetes action (real @kubernetes/client-node against a Kubernetes API server)', () => {
  it('rollout restart PATCHes the restartedAt annotation of the pod template (strategic merge)', async () => {
    const clock = new SimulatedClock(Date.UTC(2026, 2, 1, 12, 0, 0));
    const plan = kubernetesAction.plan(
      step({ action: 'rollout-restart', name: '{{service.name}}', namespace: 'shop' }),
      'api',
      {},
    );
    expect(plan.description).toBe('kubernetes rollout-restart deployment/api in shop');
    const msg = await kubernetesAction.apply(plan, testContext({ clock }));
    expect(msg).toContain('restartedAt 2026-03-01T12:00:00.000Z');
    expect(kube.requests).toEqual([
      {
        method: 'PATCH',
        path: '/apis/apps/v1/namespaces/shop/deployments/api',
        contentType: 'application/strategic-merge-patch+json',
        body: {
          spec: {
            template: {
              metadata: { annotations: { 'kubectl.kubernetes.io/restartedAt': '2026-03-01T12:00:00.000Z' } },
            },
          },
        },
      },
    ]);
    // Other annotations stay.
    expect(kube.workloads.get('shop/deployments/api')?.annotations).toEqual({
      team: 'payments',
      'kubectl.kubernetes.io/restartedAt': '2026-03-01T12:00:00.000Z',
    });
  });

  it('restarts a StatefulSet at its own path', async () => {
    const plan = kubernetesAction.plan(
      step({ action: 'rollout-restart', kind: 'StatefulSet', name: 'db' }),
      'db',
      {},
    );
    await kubernetesAction.apply(plan, testContext());
    expect(kube.requests[0]?.path).toBe('/apis/apps/v1/namespaces/default/statefulsets/db');
  });

  it('deletes the pod a finding names', async () => {
    const vars = { service: { name: 'api' }, finding: { labels: { pod: 'api-7d9f-x2' } } };
    const plan = kubernetesAction.plan(
      step({ action: 'delete-pod', name: '{{finding.labels.pod}}', namespace: 'shop' }),
      'api',
      {},
      { baseDir: dir, vars },
    );
    expect(await kubernetesAction.apply(plan, testContext())).toBe('deleted pod/api-7d9f-x2 in shop');
    expect(kube.pods.has('shop/api-7d9f-x2')).toBe(false);
    expect(kube.requests.map((r) => `${r.method} ${r.path}`)).toEqual([
      'DELETE /api/v1/namespaces/shop/pods/api-7d9f-x2',
    ]);
    // A second delete: the API server's 404 comes back as the action's error.
    await expect(kubernetesAction.apply(plan, testContext())).rejects.toThrow(
      /answered 404: pods "api-7d9f-x2" not found/,
    );
  });

  it('scales through the scale subresource and rolls back to the count it read before', async () => {
    const plan = kubernetesAction.plan(
      step({ action: 'scale', name: 'api', namespace: 'shop', replicas: 5 }),
      'api',
      {},
    );
    const ctx = testContext();
    const state = await kubernetesAction.snapshot!(plan, ctx);
    expect(state).toEqual({ replicas: 2 });
    expect(await kubernetesAction.apply(plan, ctx)).toBe('scaled deployment/api in shop to 5');
    expect(kube.workloads.get('shop/deployments/api')?.replicas).toBe(5);
    expect(kube.requests[1]).toMatchObject({
      method: 'PATCH',
      path: '/apis/apps/v1/namespaces/shop/deployments/api/scale',
      contentType: 'application/merge-patch+json',
      body: { spec: { replicas: 5 } },
    });
    expect(await kubernetesAction.rollback!(plan, ctx, { files: [], state })).toBe(
      'scaled deployment/api back to 2',
    );
    expect(kube.workloads.get('shop/deployments/api')?.replicas).toBe(2);
  });

  it('refuses bad names and configs before any request, and reports an unknown workload', async () => {
    const vars = { service: { name: 'api' }, finding: { labels: { pod: '../secrets' } } };
    expect(() =>
      kubernetesAction.plan(
        step({ action: 'delete-pod', name: '{{finding.labels.pod}}' }),
        'api',
        {},
        { baseDir: dir, vars },
      ),
    ).toThrow(/invalid Kubernetes name/);
    expect(() => kubernetesAction.plan(step({ action: 'scale', name: 'api' }), 'api', {})).toThrow(
      /scale needs replicas/,
    );
    expect(kube.requests).toEqual([]);
    const plan = kubernetesAction.plan(step({ action: 'rollout-restart', name: 'ghost' }), 'x', {});
    await expect(kubernetesAction.apply(plan, testContext())).rejects.toThrow(/404.*"ghost" not found/);
    await expect(kubernetesAction.rollback!(plan, testContext(), { files: [] })).rejects.toThrow(
      /cannot be undone/,
    );
  });

  it('sends the kubeconfig token: another server with another token refuses it with 401', async () => {
    const other = await fakeKube(await tempDir(), 'another-token');
    try {
      const bad = path.join(dir, 'bad-kubeconfig.yaml');
      await writeFile(bad, (await readFile(kube.kubeconfig, 'utf8')).replace(kube.url, other.url));
      const s = { timeout: 30_000, kubernetes: { kubeconfig: bad, action: 'delete-pod', name: 'p' } };
      const plan = kubernetesAction.plan(s as unknown as ExtendedStep, 'x', {});
      await expect(kubernetesAction.apply(plan, testContext())).rejects.toThrow(/answered 401/);
    } finally {
      await other.close();
    }
  });
});
