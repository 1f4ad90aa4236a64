import { writeFile } from 'node:fs/promises';
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import path from 'node:path';
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { kubernetesAction } from './kubernetes.js';
import type { ExtendedStep } from './steps.js';
import { kubernetesStep } from './steps.js';
import { tempDir, testContext } from './testing.js';

/**
 * A Kubernetes API server for what `rollout undo` reads and writes: GET of an apps/v1 Deployment, the
 * ReplicaSets of a namespace by labelSelector, and a JSON-patch PATCH of the Deployment, answering objects
 * or a v1 Status. After a patch it does what the Deployment controller would: the ReplicaSet whose template
 * matches takes the next revision, and so does the Deployment (a new ReplicaSet if none matches).
 */
const TOKEN = 'undo-test-token';
const DEP_UID = 'uid-api';
interface Rs {
  name: string;
  revision: number;
  owner: string;
  image: string;
  annotations?: Record<string, string>;
}
let dep: { revision: number; image: string; paused: boolean; annotations: Record<string, string> };
let replicaSets: Rs[];
const requests: { method: string; path: string; query: string; contentType?: string; body?: unknown }[] = [];

const template = (image: string, hash?: string) => ({
  metadata: { labels: { app: 'api', ...(hash ? { 'pod-template-hash': hash } : {}) } },
  spec: { containers: [{ name: 'api', image }] },
});
const depObject = () => ({
  apiVersion: 'apps/v1',
  kind: 'Deployment',
  metadata: {
    name: 'api',
    namespace: 'shop',
    uid: DEP_UID,
    annotations: { ...dep.annotations, 'deployment.kubernetes.io/revision': String(dep.revision) },
  },
  spec: { paused: dep.paused, selector: { matchLabels: { app: 'api' } }, template: template(dep.image) },
});
const rsObject = (r: Rs) => ({
  apiVersion: 'apps/v1',
  kind: 'ReplicaSet',
  metadata: {
    name: r.name,
    namespace: 'shop',
    labels: { app: 'api' },
    annotations: { ...r.annotations, 'deployment.kubernetes.io/revision': String(r.revision) },
    ownerReferences: [
      { apiVersion: 'apps/v1', kind: 'Deployment', name: 'api', uid: r.owner, controller: true },
    ],
  },
  spec: { template: template(r.image, r.name.split('-').at(-1)) },
});

let server: Server;
let kubeconfig: string;
beforeAll(async () => {
  server = createServer((req, res) => {
    let raw = '';
    req.on('data', (c: Buffer) => {
      raw += c;
    });
    req.on('end', () => {
      const url = new URL(req.url ?? '/', 'http://k8s');
      const body = raw ? JSON.parse(raw) : undefined;
      requests.push({
        method: req.method ?? '',
        path: url.pathname,
        query: url.search,
        ...(req.method === 'PATCH' ? { contentType: req.headers['content-type'], body } : {}),
      });
      const send = (code: number, obj: unknown) => {
        res.writeHead(code, { 'content-type': 'application/json' });
        res.end(JSON.stringify(obj));
      };
      const status = (code: number, reason: string, message: string) =>
        send(code, { kind: 'Status', apiVersion: 'v1', status: 'Failure', message, reason, code });
      if (req.headers.authorization !== `Bearer ${TOKEN}`) return status(401, 'Unauthorized', 'Unauthorized');
      if (url.pathname === '/apis/apps/v1/namespaces/shop/replicasets' && req.method === 'GET') {
        const sel = url.searchParams.get('labelSelector');
        const items = sel === 'app=api' ? replicaSets.map(rsObject) : [];
        return send(200, { apiVersion: 'apps/v1', kind: 'ReplicaSetList', metadata: {}, items });
      }
      const m = /^\/apis\/apps\/v1\/namespaces\/([^/]+)\/deployments\/([^/]+)$/.exec(url.pathname);
      if (m?.[1] !== 'shop' || m[2] !== 'api')
        return status(404, 'NotFound', `deployments.apps "${m?.[2] ?? '?'}" not found`);
      if (req.method === 'GET') return send(200, depObject());
      if (req.method !== 'PATCH') return status(405, 'MethodNotAllowed', 'method not allowed');
      if (req.headers['content-type'] !== 'application/json-patch+json')
        return status(415, 'UnsupportedMediaType', `unsupported patch type ${req.headers['content-type']}`);
      for (const op of body as { op: string; path: string; value: unknown }[]) {
        if (op.op !== 'replace') return status(422, 'Invalid', `unsupported op ${op.op}`);
        if (op.path === '/spec/template')
          dep.image = (op.value as ReturnType<typeof template>).spec.containers[0]!.image;
        else if (op.path === '/metadata/annotations') {
          const { 'deployment.kubernetes.io/revision': _r, ...rest } = op.value as Record<string, string>;
          dep.annotations = rest;
        } else return status(422, 'Invalid', `unsupported path ${op.path}`);
      }
      // The controller: the matching ReplicaSet (or a new one) becomes the next revision.
      const next = Math.max(...replicaSets.filter((r) => r.owner === DEP_UID).map((r) => r.revision)) + 1;
      const rs = replicaSets.find((r) => r.image === dep.image);
      if (rs) rs.revision = next;
      else replicaSets.push({ name: `api-${next}abc`, revision: next, owner: DEP_UID, image: dep.image });
      dep.revision = next;
      return send(200, depObject());
    });
  });
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
  const url = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  kubeconfig = path.join(await tempDir(), 'kubeconfig.yaml');
  await writeFile(
    kubeconfig,
    `apiVersion: v1
kind: Config
clusters:
- name: fake
  cluster: { server: "${url}", insecure-skip-tls-verify: true }
users:
- name: medic
  user: { token: ${TOKEN} }
contexts:
- name: fake
  context: { cluster: fake, user: medic }
current-context: fake
`,
  );
});
afterAll(() => new Promise((r) => server.close(r)));

beforeEach(() => {
  requests.length = 0;
  // Three releases: 1.2, 1.3 (good), 1.4 (current, bad). Another Deployment's ReplicaSet shares the label.
  dep = { revision: 3, image: 'shop/api:1.4', paused: false, annotations: { team: 'payments' } };
  replicaSets = [
    { name: 'api-5d8f9', revision: 1, owner: DEP_UID, image: 'shop/api:1.2' },
    {
      name: 'api-6c7b8',
      revision: 2,
      owner: DEP_UID,
      image: 'shop/api:1.3',
      annotations: { 'kubernetes.io/change-cause': 'release 1.3' },
    },
    { name: 'api-7f9a1', revision: 3, owner: DEP_UID, image: 'shop/api:1.4' },
    { name: 'api-old-9z9z9', revision: 7, owner: 'uid-someone-else', image: 'shop/api:0.9' },
  ];
});

const step = (k: Record<string, unknown>) =>
  ({
    timeout: 30_000,
    kubernetes: { kubeconfig, namespace: 'shop', name: 'api', ...k },
  }) as unknown as ExtendedStep;

describe('kubernetes rollout-undo (real @kubernetes/client-node against a Kubernetes API server)', () => {
  it("puts the previous revision's pod template back by JSON patch, as kubectl rollout undo; undone by another undo", async () => {
    const plan = kubernetesAction.plan(step({ action: 'rollout-undo' }), 'api', {});
    expect(plan.description).toBe('kubernetes rollout-undo deployment/api in shop');
    const ctx = testContext();
    const state = await kubernetesAction.snapshot!(plan, ctx);
    expect(state).toEqual({ revision: 3 });
    expect(await kubernetesAction.apply(plan, ctx)).toBe(
      "rolled deployment/api in shop back to revision 2's template (was revision 3)",
    );
    expect(dep.image).toBe('shop/api:1.3');
    const patch = requests.find((r) => r.method === 'PATCH');
    expect(patch).toMatchObject({
      path: '/apis/apps/v1/namespaces/shop/deployments/api',
      contentType: 'application/json-patch+json',
    });
    expect(requests.find((r) => r.path.endsWith('/replicasets'))?.query).toBe('?labelSelector=app%3Dapi');
    expect(patch?.body).toEqual([
      // The ReplicaSet's template without the pod-template-hash label the controller gave it.
      { op: 'replace', path: '/spec/template', value: template('shop/api:1.3') },
      // The Deployment's own bookkeeping kept, the ReplicaSet's other annotations (its change cause) copied.
      {
        op: 'replace',
        path: '/metadata/annotations',
        value: { 'deployment.kubernetes.io/revision': '3', 'kubernetes.io/change-cause': 'release 1.3' },
      },
    ]);
    expect(dep.revision).toBe(4);

    // The undo undone: back to what revision 3 was.
    expect(await kubernetesAction.rollback!(plan, ctx, { files: [], state })).toBe(
      "rolled deployment/api in shop forward again to revision 3's template",
    );
    expect(dep.image).toBe('shop/api:1.4');
  });

  it("to_revision picks the revision; one not in its history (or another Deployment's) is refused", async () => {
    const plan = kubernetesAction.plan(step({ action: 'rollout-undo', to_revision: 1 }), 'api', {});
    expect(plan.description).toBe('kubernetes rollout-undo deployment/api in shop to revision 1');
    await kubernetesAction.apply(plan, testContext());
    expect(dep.image).toBe('shop/api:1.2');
    const other = kubernetesAction.plan(step({ action: 'rollout-undo', to_revision: 7 }), 'api', {});
    await expect(kubernetesAction.apply(other, testContext())).rejects.toThrow(
      'rollout undo deployment/api: revision 7 is not in its history (4, 3, 2)',
    );
  });

  it('refuses a paused Deployment, one with no earlier revision, and a template already that revision', async () => {
    const plan = kubernetesAction.plan(step({ action: 'rollout-undo' }), 'api', {});
    dep.paused = true;
    await expect(kubernetesAction.apply(plan, testContext())).rejects.toThrow(
      /the Deployment is paused; resume it first/,
    );
    dep.paused = false;
    replicaSets = replicaSets.filter((r) => r.revision === 3);
    await expect(kubernetesAction.apply(plan, testContext())).rejects.toThrow(
      /no earlier revision to roll back to/,
    );
    replicaSets.push({ name: 'api-8d8d8', revision: 2, owner: DEP_UID, image: 'shop/api:1.4' });
    await expect(kubernetesAction.apply(plan, testContext())).rejects.toThrow(
      "the current template already is revision 2's",
    );
    expect(requests.some((r) => r.method === 'PATCH')).toBe(false);
  });

  it('config: rollout-undo is for a Deployment; to_revision only with it', () => {
    const parse = (k: Record<string, unknown>) => kubernetesStep.safeParse({ name: 'api', ...k });
    expect(parse({ action: 'rollout-undo' }).success).toBe(true);
    expect(parse({ action: 'rollout-undo', kind: 'StatefulSet' }).error?.issues[0]?.message).toBe(
      'rollout-undo is for a Deployment',
    );
    expect(parse({ action: 'rollout-restart', to_revision: 2 }).error?.issues[0]?.message).toBe(
      'to_revision is for action: rollout-undo',
    );
  });
});
