/**
 * A Kubernetes API server for tests (not part of the build), over HTTPS with a certificate made by openssl
 * and a bearer token, as a cluster's is reached: `GET /apis/apps/v1/namespaces/{ns}/deployments/{name}` and
 * `GET /api/v1/namespaces/{ns}/pods?labelSelector=…` (equality, `in`, `notin`, exists and `!` terms, as the
 * API server reads them). Objects are apps/v1 Deployments and v1 Pods in the API's JSON; a missing one, a
 * wrong token or an unknown path is answered with a v1 Status. `kubeconfig` is a file pointing at it.
 */
import { execFileSync } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import https from 'node:https';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

export interface ContainerSpec {
  name: string;
  restartCount?: number;
  ready?: boolean;
  /** The container's current state, as the kubelet reports it. */
  state?: Record<string, unknown>;
  lastState?: Record<string, unknown>;
}

/** A Deployment of `replicas` whose pods carry `labels` (its selector), with the status counts given. */
export function deployment(
  namespace: string,
  name: string,
  s: {
    replicas: number;
    ready: number;
    available?: number;
    updated?: number;
    labels?: Record<string, string>;
    matchExpressions?: { key: string; operator: string; values?: string[] }[];
    conditions?: Record<string, unknown>[];
  },
): Record<string, unknown> {
  const labels = s.labels ?? { app: name };
  return {
    apiVersion: 'apps/v1',
    kind: 'Deployment',
    metadata: {
      name,
      namespace,
      uid: `dep-${namespace}-${name}`,
      generation: 3,
      resourceVersion: '4711',
      creationTimestamp: '2026-03-01T10:00:00Z',
      labels,
    },
    spec: {
      replicas: s.replicas,
      selector: { matchLabels: labels, ...(s.matchExpressions && { matchExpressions: s.matchExpressions }) },
      template: {
        metadata: { labels },
        spec: { containers: [{ name, image: `shop/${name}:1.4.2` }] },
      },
      strategy: { type: 'RollingUpdate', rollingUpdate: { maxUnavailable: '25%', maxSurge: '25%' } },
      progressDeadlineSeconds: 600,
    },
    status: {
      observedGeneration: 3,
      replicas: s.replicas,
      updatedReplicas: s.updated ?? s.replicas,
      readyReplicas: s.ready,
      availableReplicas: s.available ?? s.ready,
      ...(s.ready < s.replicas && { unavailableReplicas: s.replicas - s.ready }),
      conditions: s.conditions ?? [
        {
          type: 'Available',
          status: s.ready > 0 ? 'True' : 'False',
          reason: s.ready > 0 ? 'MinimumReplicasAvailable' : 'MinimumReplicasUnavailable',
          lastUpdateTime: '2026-03-01T10:01:00Z',
          lastTransitionTime: '2026-03-01T10:01:00Z',
        },
        {
          type: 'Progressing',
          status: 'True',
          reason: 'NewReplicaSetAvailable',
          lastUpdateTime: '2026-03-01T10:01:00Z',
          lastTransitionTime: '2026-03-01T10:00:00Z',
        },
      ],
    },
  };
}

/** A Pod in `phase` with these containers' statuses; `extra` merges into its status (conditions…). */
export function pod(
  namespace: string,
  name: string,
  labels: Record<string, string>,
  containers: ContainerSpec[],
  extra: { phase?: string; conditions?: Record<string, unknown>[]; deleting?: boolean } = {},
): Record<string, unknown> {
  const allReady = containers.every((c) => c.ready ?? true);
  return {
    apiVersion: 'v1',
    kind: 'Pod',
    metadata: {
      name,
      namespace,
      uid: `uid-${name}`,
      labels,
      ownerReferences: [
        { apiVersion: 'apps/v1', kind: 'ReplicaSet', name: name.replace(/-[^-]+$/, ''), controller: true },
      ],
      creationTimestamp: '2026-03-01T10:00:05Z',
      ...(extra.deleting && { deletionTimestamp: '2026-03-01T11:00:00Z', deletionGracePeriodSeconds: 30 }),
    },
    spec: {
      containers: containers.map((c) => ({ name: c.name, image: `shop/${c.name}:1.4.2` })),
      nodeName: 'node-1',
    },
    status: {
      phase: extra.phase ?? 'Running',
      conditions: extra.conditions ?? [
        { type: 'PodScheduled', status: 'True', lastTransitionTime: '2026-03-01T10:00:05Z' },
        { type: 'Initialized', status: 'True', lastTransitionTime: '2026-03-01T10:00:06Z' },
        {
          type: 'ContainersReady',
          status: allReady ? 'True' : 'False',
          lastTransitionTime: '2026-03-01T10:00:09Z',
        },
        { type: 'Ready', status: allReady ? 'True' : 'False', lastTransitionTime: '2026-03-01T10:00:09Z' },
      ],
      hostIP: '10.0.0.11',
      podIP: '10.244.1.17',
      startTime: '2026-03-01T10:00:05Z',
      containerStatuses: containers.map((c) => ({
        name: c.name,
        ready: c.ready ?? true,
        started: c.ready ?? true,
        restartCount: c.restartCount ?? 0,
        image: `docker.io/shop/${c.name}:1.4.2`,
        imageID: `docker.io/shop/${c.name}@sha256:${'ab'.repeat(32)}`,
        containerID: `containerd://${'cd'.repeat(32)}`,
        state: c.state ?? { running: { startedAt: '2026-03-01T10:00:08Z' } },
        lastState: c.lastState ?? {},
      })),
    },
  };
}

/** One term of a label selector against a pod's labels, as the API server reads it. */
function matches(term: string, labels: Record<string, string>): boolean {
  const set = /^([\w./-]+)\s+(in|notin)\s+\(([^)]*)\)$/.exec(term);
  if (set) {
    const values = (set[3] as string).split(',').map((v) => v.trim());
    const has = (set[1] as string) in labels && values.includes(labels[set[1] as string] as string);
    return set[2] === 'in' ? has : !has;
  }
  const eq = /^([\w./-]+)\s*(==|=|!=)\s*([\w./-]*)$/.exec(term);
  if (eq) return (labels[eq[1] as string] === eq[3]) === (eq[2] !== '!=');
  if (term.startsWith('!')) return !(term.slice(1) in labels);
  return term in labels;
}

/** Terms split on the commas outside parentheses. */
export function selectorMatches(selector: string, labels: Record<string, string>): boolean {
  const terms = selector.match(/[^,(]+(?:\([^)]*\))?/g) ?? [];
  return terms
    .map((t) => t.trim())
    .filter(Boolean)
    .every((t) => matches(t, labels));
}

export class FakeKubeApi {
  readonly requests: { path: string; query: Record<string, string> }[] = [];
  readonly deployments = new Map<string, Record<string, unknown>>();
  readonly pods: Record<string, unknown>[] = [];
  /** While true, requests are read and never answered: an API server that hangs. */
  hang = false;
  /** Requests held by `hang` whose connection the client has not closed yet. */
  held = 0;
  /** While true, listing pods is refused as RBAC refuses a role without `list pods`. */
  forbidPods = false;
  url = '';
  kubeconfig = '';
  private server: https.Server | null = null;
  private readonly dir = mkdtempSync(join(tmpdir(), 'medic-kube-api-'));

  constructor(readonly token = 'medic-probe-token') {}

  addDeployment(d: Record<string, unknown>): void {
    const m = d.metadata as { namespace: string; name: string };
    this.deployments.set(`${m.namespace}/${m.name}`, d);
  }

  reset(): void {
    this.requests.length = 0;
    this.deployments.clear();
    this.pods.length = 0;
    this.hang = false;
    this.forbidPods = false;
  }

  async listen(): Promise<void> {
    // A self-signed certificate for 127.0.0.1: the kubeconfig trusts it as the cluster's CA.
    execFileSync(
      'openssl',
      [
        'req',
        '-x509',
        '-newkey',
        'ec',
        '-pkeyopt',
        'ec_paramgen_curve:P-256',
        '-nodes',
        '-keyout',
        'key.pem',
        '-out',
        'cert.pem',
        '-days',
        '2',
        '-subj',
        '/CN=127.0.0.1',
        '-addext',
        'subjectAltName=IP:127.0.0.1',
      ],
      { cwd: this.dir, stdio: 'pipe' },
    );
    const cert = readFileSync(join(this.dir, 'cert.pem'));
    const server = https.createServer({ key: readFileSync(join(this.dir, 'key.pem')), cert }, (req, res) =>
      this.handle(req, res),
    );
    await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
    this.server = server;
    this.url = `https://127.0.0.1:${(server.address() as { port: number }).port}`;
    this.kubeconfig = join(this.dir, 'kubeconfig');
    writeFileSync(
      this.kubeconfig,
      [
        'apiVersion: v1',
        'kind: Config',
        'clusters:',
        '- name: test',
        '  cluster:',
        `    server: ${this.url}`,
        `    certificate-authority-data: ${cert.toString('base64')}`,
        'users:',
        '- name: medic',
        `  user: { token: ${this.token} }`,
        'contexts:',
        '- name: test',
        '  context: { cluster: test, user: medic, namespace: default }',
        'current-context: test',
        '',
      ].join('\n'),
    );
  }

  async close(): Promise<void> {
    const server = this.server;
    this.server = null;
    if (server) {
      server.closeAllConnections();
      await new Promise((r) => server.close(r));
    }
    rmSync(this.dir, { recursive: true, force: true });
  }

  private handle(req: import('node:http').IncomingMessage, res: import('node:http').ServerResponse): unknown {
    const url = new URL(req.url ?? '/', 'https://k8s');
    this.requests.push({ path: url.pathname, query: Object.fromEntries(url.searchParams) });
    if (this.hang) {
      this.held++;
      res.on('close', () => this.held--);
      return;
    }
    const send = (code: number, obj: unknown) => {
      res.writeHead(code, {
        'content-type': 'application/json',
        'audit-id': 'b6c5d4e3-0000-4000-8000-000000000001',
      });
      res.end(JSON.stringify(obj));
    };
    const status = (code: number, reason: string, message: string, details?: Record<string, unknown>) =>
      send(code, {
        kind: 'Status',
        apiVersion: 'v1',
        metadata: {},
        status: 'Failure',
        message,
        reason,
        details,
        code,
      });
    if (req.headers.authorization !== `Bearer ${this.token}`)
      return status(401, 'Unauthorized', 'Unauthorized');
    if (req.method !== 'GET')
      return status(
        405,
        'MethodNotAllowed',
        'the server does not allow this method on the requested resource',
      );
    const dep = /^\/apis\/apps\/v1\/namespaces\/([^/]+)\/deployments\/([^/]+)$/.exec(url.pathname);
    if (dep) {
      const d = this.deployments.get(`${dep[1]}/${dep[2]}`);
      if (!d)
        return status(404, 'NotFound', `deployments.apps "${dep[2]}" not found`, {
          name: dep[2],
          group: 'apps',
          kind: 'deployments',
        });
      return send(200, d);
    }
    const pods = /^\/api\/v1\/namespaces\/([^/]+)\/pods$/.exec(url.pathname);
    if (pods) {
      if (this.forbidPods)
        return status(
          403,
          'Forbidden',
          `pods is forbidden: User "system:serviceaccount:medic:medic" cannot list resource "pods" in API group "" in the namespace "${pods[1]}"`,
          { kind: 'pods' },
        );
      const selector = url.searchParams.get('labelSelector') ?? '';
      const items = this.pods.filter((p) => {
        const m = p.metadata as { namespace: string; labels?: Record<string, string> };
        return m.namespace === pods[1] && selectorMatches(selector, m.labels ?? {});
      });
      return send(200, { kind: 'PodList', apiVersion: 'v1', metadata: { resourceVersion: '4712' }, items });
    }
    return status(404, 'NotFound', 'the server could not find the requested resource');
  }
}
