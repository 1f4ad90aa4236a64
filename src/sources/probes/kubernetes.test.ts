import { copyFile, mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { checkSchema } from '../../config/index.js';
import { kubernetesProbe, selectorString } from './kubernetes.js';
import {
  type ContainerSpec,
  deployment,
  FakeKubeApi,
  pod,
  selectorMatches,
} from './kubernetes-api.fixture.js';
import { check, context } from './testing.fixture.js';

const api = new FakeKubeApi();
beforeAll(async () => {
  // The client loads on the first check (seconds on a loaded machine): not inside a test's short timeout.
  await import('@kubernetes/client-node');
  await api.listen();
});
afterAll(() => api.close());
beforeEach(() => api.reset());

/** Each run its own service unless told: the restart baseline is kept per service. */
let n = 0;
const run = (k: Record<string, unknown> = {}, opts: { service?: string; timeout?: string } = {}) =>
  kubernetesProbe.run(
    check({
      kubernetes: { namespace: 'shop', deployment: 'api', kubeconfig: api.kubeconfig, ...k },
      ...(opts.timeout && { timeout: opts.timeout }),
    }),
    context(5_000, { service: opts.service ?? `kube-${++n}` }),
  );

const APP = { app: 'api' };
const running = (restartCount = 0, lastState?: Record<string, unknown>): ContainerSpec => ({
  name: 'api',
  restartCount,
  ...(lastState && { lastState }),
});
const oomLast = {
  terminated: {
    exitCode: 137,
    reason: 'OOMKilled',
    startedAt: '2026-03-01T10:20:00Z',
    finishedAt: '2026-03-01T10:25:00Z',
  },
};
const crashLooping = (restartCount: number): ContainerSpec => ({
  name: 'api',
  ready: false,
  restartCount,
  state: {
    waiting: {
      reason: 'CrashLoopBackOff',
      message: 'back-off 5m0s restarting failed container=api pod=api-7d9f-c3_shop(uid-api-7d9f-c3)',
    },
  },
  lastState: oomLast,
});

describe('kubernetes probe (client-node against a Kubernetes API server over HTTPS)', () => {
  it('all replicas ready, pods running: up, read by the Deployment selector', async () => {
    api.addDeployment(deployment('shop', 'api', { replicas: 3, ready: 3 }));
    for (const p of ['api-7d9f-a1', 'api-7d9f-b2', 'api-7d9f-c3'])
      api.pods.push(pod('shop', p, APP, [running(1)]));
    // Another workload's pods and another namespace's are not this Deployment's.
    api.pods.push(pod('shop', 'worker-1', { app: 'worker' }, [crashLooping(9)]));
    api.pods.push(pod('staging', 'api-x', APP, [crashLooping(9)]));
    const r = await run();
    expect(r.message).toBe('3 of 3 replicas ready (3 updated, 3 available); 3 pods, 3 restarts');
    expect(r.ok).toBe(true);
    expect(api.requests).toEqual([
      { path: '/apis/apps/v1/namespaces/shop/deployments/api', query: {} },
      { path: '/api/v1/namespaces/shop/pods', query: { labelSelector: 'app=api' } },
    ]);
    expect(r.details).toMatchObject({
      namespace: 'shop',
      deployment: 'api',
      desiredReplicas: 3,
      readyReplicas: 3,
      availableReplicas: 3,
      updatedReplicas: 3,
      restarts: 3,
      restartsSinceLastCheck: 0,
      problems: [],
      progressDeadlineExceeded: false,
    });
    expect((r.details as { pods: unknown[] }).pods[0]).toEqual({
      name: 'api-7d9f-a1',
      phase: 'Running',
      ready: true,
      restarts: 1,
    });
  });

  it('a pod in CrashLoopBackOff after OOM kills: degraded, with its restarts and last exit', async () => {
    api.addDeployment(deployment('shop', 'api', { replicas: 3, ready: 2 }));
    api.pods.push(pod('shop', 'api-7d9f-a1', APP, [running()]), pod('shop', 'api-7d9f-b2', APP, [running()]));
    api.pods.push(pod('shop', 'api-7d9f-c3', APP, [crashLooping(7)]));
    const r = await run();
    expect(r).toMatchObject({
      ok: false,
      degraded: true,
      message:
        '2 of 3 replicas ready; pod api-7d9f-c3 container api: CrashLoopBackOff (7 restarts, last exit OOMKilled)',
    });
    expect((r.details as { problems: unknown[] }).problems).toEqual([
      {
        pod: 'api-7d9f-c3',
        container: 'api',
        reason: 'CrashLoopBackOff',
        restarts: 7,
        lastExit: 'OOMKilled',
        message: 'back-off 5m0s restarting failed container=api pod=api-7d9f-c3_shop(uid-api-7d9f-c3)',
      },
    ]);
  });

  it('no replica ready of those desired: down', async () => {
    api.addDeployment(deployment('shop', 'api', { replicas: 2, ready: 0 }));
    api.pods.push(pod('shop', 'api-1', APP, [crashLooping(3)]), pod('shop', 'api-2', APP, [crashLooping(4)]));
    const r = await run();
    expect(r.ok).toBe(false);
    expect(r.degraded).toBeUndefined();
    expect(r.message).toBe(
      '0 of 2 replicas ready; pod api-1 container api: CrashLoopBackOff (3 restarts, last exit OOMKilled); ' +
        'pod api-2 container api: CrashLoopBackOff (4 restarts, last exit OOMKilled)',
    );
  });

  it('an image that cannot be pulled, a container OOM-killed just now, a pod no node can take', async () => {
    api.addDeployment(deployment('shop', 'api', { replicas: 4, ready: 1 }));
    api.pods.push(pod('shop', 'api-1', APP, [running()]));
    api.pods.push(
      pod('shop', 'api-2', APP, [
        {
          name: 'api',
          ready: false,
          state: {
            waiting: { reason: 'ImagePullBackOff', message: 'Back-off pulling image "shop/api:1.5.0"' },
          },
        },
      ]),
    );
    api.pods.push(
      pod('shop', 'api-3', APP, [
        {
          name: 'api',
          ready: false,
          restartCount: 2,
          state: { terminated: { exitCode: 137, reason: 'OOMKilled', finishedAt: '2026-03-01T10:30:00Z' } },
        },
      ]),
    );
    api.pods.push(
      pod('shop', 'api-4', APP, [], {
        phase: 'Pending',
        conditions: [
          {
            type: 'PodScheduled',
            status: 'False',
            reason: 'Unschedulable',
            message: '0/3 nodes are available: 3 Insufficient memory.',
          },
        ],
      }),
    );
    const r = await run();
    expect(r).toMatchObject({ ok: false, degraded: true });
    expect(r.message).toBe(
      '1 of 4 replicas ready; ' +
        'pod api-2 container api: ImagePullBackOff (0 restarts, Back-off pulling image "shop/api:1.5.0"); ' +
        'pod api-3 container api: OOMKilled (2 restarts, last exit OOMKilled); ' +
        'pod api-4: Unschedulable (0/3 nodes are available: 3 Insufficient memory.)',
    );
  });

  it('a restart since the previous run is degraded; none since, up again', async () => {
    api.addDeployment(deployment('shop', 'api', { replicas: 2, ready: 2 }));
    const a = pod('shop', 'api-1', APP, [running(0)]);
    api.pods.push(a, pod('shop', 'api-2', APP, [running(5)]));
    const service = 'restarts';
    expect((await run({}, { service })).ok).toBe(true); // the baseline
    api.pods[0] = pod('shop', 'api-1', APP, [running(1, oomLast)]);
    const r = await run({}, { service });
    expect(r).toMatchObject({
      ok: false,
      degraded: true,
      message: '2 of 2 replicas ready; pod api-1 restarted 1 time since the last check (last exit OOMKilled)',
    });
    expect((r.details as { restartsSinceLastCheck: number }).restartsSinceLastCheck).toBe(1);
    expect((await run({}, { service })).ok).toBe(true);
  });

  it('pods being deleted are left out; a rollout past its deadline is degraded', async () => {
    api.addDeployment(
      deployment('shop', 'api', {
        replicas: 1,
        ready: 1,
        updated: 0,
        conditions: [
          {
            type: 'Progressing',
            status: 'False',
            reason: 'ProgressDeadlineExceeded',
            message: 'ReplicaSet "api-8c1e" has timed out progressing.',
          },
        ],
      }),
    );
    api.pods.push(pod('shop', 'api-old', APP, [crashLooping(2)], { deleting: true }));
    api.pods.push(pod('shop', 'api-7d9f-a1', APP, [running()]));
    const r = await run();
    expect(r).toMatchObject({
      ok: false,
      degraded: true,
      message:
        '1 of 1 replica ready; rollout stuck: ProgressDeadlineExceeded (ReplicaSet "api-8c1e" has timed out progressing.)',
    });
    expect((r.details as { pods: { name: string }[] }).pods.map((p) => p.name)).toEqual(['api-7d9f-a1']);
  });

  it('a selector with matchExpressions is sent as the API reads it', async () => {
    api.addDeployment(
      deployment('shop', 'api', {
        replicas: 1,
        ready: 1,
        labels: { app: 'api' },
        matchExpressions: [{ key: 'track', operator: 'In', values: ['stable', 'canary'] }],
      }),
    );
    api.pods.push(pod('shop', 'api-1', { app: 'api', track: 'stable' }, [running()]));
    api.pods.push(pod('shop', 'api-2', { app: 'api', track: 'dev' }, [crashLooping(3)]));
    const r = await run();
    expect(api.requests[1]?.query).toEqual({ labelSelector: 'app=api,track in (stable,canary)' });
    expect(r.message).toBe('1 of 1 replica ready (1 updated, 1 available); 1 pod, 0 restarts');
  });

  it('scaled to zero is up', async () => {
    api.addDeployment(deployment('shop', 'api', { replicas: 0, ready: 0 }));
    expect(await run()).toMatchObject({
      ok: true,
      message: '0 of 0 replicas ready (0 updated, 0 available); 0 pods, 0 restarts',
    });
  });

  it('a Deployment that does not exist is down, named', async () => {
    const r = await run({ deployment: 'nope' });
    expect(r).toMatchObject({
      ok: false,
      message: 'deployment shop/nope not found',
      details: { status: 404 },
    });
  });

  it('a token the API server refuses: its Status message', async () => {
    api.addDeployment(deployment('shop', 'api', { replicas: 1, ready: 1 }));
    const dir = await mkdtemp(join(tmpdir(), 'medic-kube-'));
    const kubeconfig = join(dir, 'kubeconfig');
    await writeFile(kubeconfig, (await readFile(api.kubeconfig, 'utf8')).replace(api.token, 'a-wrong-token'));
    try {
      const r = await run({ kubeconfig });
      expect(r.ok).toBe(false);
      expect(r.message).toBe(
        "reading deployment shop/api: the API server answered 401: Unauthorized (the kubeconfig's credentials were refused)",
      );
    } finally {
      await rm(dir, { recursive: true, force: true });
    }
  });

  it('a role that may not list pods: the Status message RBAC gives', async () => {
    api.addDeployment(deployment('shop', 'api', { replicas: 1, ready: 1 }));
    api.forbidPods = true;
    const r = await run();
    expect(r).toMatchObject({
      ok: false,
      message:
        'listing the pods of deployment shop/api: the API server answered 403: pods is forbidden: ' +
        'User "system:serviceaccount:medic:medic" cannot list resource "pods" in API group "" in the namespace "shop"',
      details: { status: 403 },
    });
  });

  it('an API server that is gone: cannot reach, naming it', async () => {
    const gone = new FakeKubeApi();
    await gone.listen();
    const dir = await mkdtemp(join(tmpdir(), 'medic-kube-'));
    const kubeconfig = join(dir, 'kubeconfig');
    await copyFile(gone.kubeconfig, kubeconfig);
    const url = gone.url;
    await gone.close();
    try {
      const r = await run({ kubeconfig });
      expect(r.ok).toBe(false);
      expect(r.message).toBe(`cannot reach the Kubernetes API at ${url}: connection refused`);
    } finally {
      await rm(dir, { recursive: true, force: true });
    }
  });

  it('a hung API server is a timeout within the check timeout', async () => {
    api.addDeployment(deployment('shop', 'api', { replicas: 1, ready: 1 }));
    api.hang = true;
    const t0 = performance.now();
    const r = await kubernetesProbe.run(
      check({
        kubernetes: { namespace: 'shop', deployment: 'api', kubeconfig: api.kubeconfig },
        timeout: '400ms',
      }),
      context(400),
    );
    expect(r).toMatchObject({ ok: false, message: 'timed out after 400ms' });
    expect(performance.now() - t0).toBeLessThan(3_000);
    // The request itself was cancelled, not left hanging on the connection.
    await expect.poll(() => api.held, { timeout: 2_000 }).toBe(0);
    expect(api.requests).toHaveLength(1);
  });

  it('a kubeconfig that is missing, or a context it lacks: cannot load, naming the file', async () => {
    const r = await run({ kubeconfig: 'no-such-kubeconfig' });
    expect(r.ok).toBe(false);
    expect(r.message).toMatch(/^cannot load \/.*\/no-such-kubeconfig: .*ENOENT/);
    const ctx = await run({ context: 'elsewhere' });
    expect(ctx.message).toBe(`cannot load ${api.kubeconfig}: no current cluster in the kubeconfig`);
  });

  it('a relative kubeconfig starts at the config file directory', async () => {
    api.addDeployment(deployment('shop', 'api', { replicas: 1, ready: 1 }));
    const dir = api.kubeconfig.replace(/\/kubeconfig$/, '');
    const r = await kubernetesProbe.run(
      check({ kubernetes: { namespace: 'shop', deployment: 'api', kubeconfig: './kubeconfig' } }),
      context(5_000, { baseDir: dir }),
    );
    expect(r.ok, r.message).toBe(true);
  });

  it('selectors: matchLabels and every expression operator, read back by the test server', () => {
    const s = selectorString({
      matchLabels: { app: 'api', tier: 'web' },
      matchExpressions: [
        { key: 'track', operator: 'In', values: ['stable', 'canary'] },
        { key: 'env', operator: 'NotIn', values: ['dev'] },
        { key: 'team', operator: 'Exists' },
        { key: 'legacy', operator: 'DoesNotExist' },
      ],
    });
    expect(s).toBe('app=api,tier=web,track in (stable,canary),env notin (dev),team,!legacy');
    expect(selectorMatches(s, { app: 'api', tier: 'web', track: 'canary', env: 'prod', team: 'x' })).toBe(
      true,
    );
    expect(selectorMatches(s, { app: 'api', tier: 'web', track: 'canary', env: 'dev', team: 'x' })).toBe(
      false,
    );
    expect(selectorMatches(s, { app: 'api', tier: 'web', track: 'canary', team: 'x', legacy: '1' })).toBe(
      false,
    );
    expect(selectorString(undefined)).toBe('');
  });

  it('config: Kubernetes names, namespace default', () => {
    const issues = (k: Record<string, unknown>) =>
      checkSchema.safeParse({ kubernetes: k }).error?.issues.map((i) => i.path.join('.'));
    expect(issues({ deployment: 'API' })).toEqual(['kubernetes.deployment']);
    expect(issues({ deployment: 'api', namespace: 'a/b' })).toEqual(['kubernetes.namespace']);
    expect(issues({ namespace: 'shop' })).toEqual(['kubernetes.deployment']);
    expect(checkSchema.parse({ kubernetes: { deployment: 'api' } }).kubernetes).toEqual({
      namespace: 'default',
      deployment: 'api',
    });
  });
});
