/** Helpers for the action tests (excluded from the build). */
import { chmod, writeFile } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { tempDir as madeTempDir } from '../../core/temp-dir.fixture.js';
import type { ActionContext } from './action.js';
import type { ExtendedStep } from './steps.js';

/** A temporary directory, removed after the test file. */
export function tempDir(prefix = 'medic-actions-'): Promise<string> {
  return madeTempDir(prefix);
}

export function testContext(over: Partial<ActionContext<ExtendedStep>> = {}): ActionContext<ExtendedStep> {
  return {
    signal: new AbortController().signal,
    baseDir: os.tmpdir(),
    services: {},
    control: {
      isSupervised: () => false,
      restart: async () => 0,
    },
    step: { timeout: 30_000 } as ExtendedStep,
    ...over,
  };
}

/**
 * Writes a fake program `name` into `dir`: it appends its argv (JSON, one line per call) to `<dir>/<name>.log`
 * and runs `body` (JavaScript with `args` and `fs` in scope; `process.exit(n)` to fail).
 */
export async function fakeProgram(dir: string, name: string, body = ''): Promise<string> {
  const file = path.join(dir, name);
  const log = path.join(dir, `${name}.log`);
  await writeFile(
    file,
    `#!${process.execPath}\n` +
      `const fs = require('node:fs');\n` +
      `const args = process.argv.slice(2);\n` +
      `fs.appendFileSync(${JSON.stringify(log)}, JSON.stringify(args) + '\\n');\n` +
      body,
  );
  await chmod(file, 0o755);
  return log;
}

/** Puts `dir` first on PATH; returns the function that puts PATH back. */
export function prependPath(dir: string): () => void {
  const old = process.env['PATH'];
  process.env['PATH'] = `${dir}${path.delimiter}${old ?? ''}`;
  return () => {
    process.env['PATH'] = old;
  };
}

export interface KubeRequest {
  method: string;
  path: string;
  contentType: string | null;
  body: unknown;
}

export interface FakeKube {
  url: string;
  /** A kubeconfig file pointing at the server with a bearer token. */
  kubeconfig: string;
  requests: KubeRequest[];
  /** name → replicas and pod template annotations, per namespace/kind. */
  workloads: Map<string, { replicas: number; annotations: Record<string, string> }>;
  pods: Set<string>;
  close(): Promise<void>;
}

/**
 * A Kubernetes API server for the paths the actions use: PATCH of apps/v1 deployments, statefulsets,
 * daemonsets (strategic merge); GET and PATCH (merge) of their scale subresource; DELETE of core/v1 pods.
 * It checks the bearer token and the patch content type, and answers with the objects or a v1 Status.
 * Keys: `<namespace>/<plural>/<name>` for workloads, `<namespace>/<name>` for pods.
 */
export async function fakeKube(dir: string, token = 'medic-test-token'): Promise<FakeKube> {
  const { createServer } = await import('node:http');
  const requests: KubeRequest[] = [];
  const workloads = new Map<string, { replicas: number; annotations: Record<string, string> }>();
  const pods = new Set<string>();
  const server = createServer((req, res) => {
    let raw = '';
    req.on('data', (c: Buffer) => {
      raw += c.toString('utf8');
    });
    req.on('end', () => {
      const url = new URL(req.url ?? '/', 'http://k8s');
      const body: unknown = raw ? JSON.parse(raw) : null;
      const contentType = req.headers['content-type'] ?? null;
      requests.push({ method: req.method ?? '', path: url.pathname, contentType, body });
      const send = (code: number, obj: unknown) => {
        res.writeHead(code, { 'content-type': 'application/json' });
        res.end(JSON.stringify(obj));
      };
      const status = (code: number, reason: string, message: string) =>
        send(code, {
          kind: 'Status',
          apiVersion: 'v1',
          metadata: {},
          status: 'Failure',
          message,
          reason,
          code,
        });
      if (req.headers.authorization !== `Bearer ${token}`) return status(401, 'Unauthorized', 'Unauthorized');
      const pod = /^\/api\/v1\/namespaces\/([^/]+)\/pods\/([^/]+)$/.exec(url.pathname);
      if (pod && req.method === 'DELETE') {
        const key = `${pod[1]}/${pod[2]}`;
        if (!pods.delete(key)) return status(404, 'NotFound', `pods "${pod[2]}" not found`);
        return send(200, { apiVersion: 'v1', kind: 'Pod', metadata: { name: pod[2], namespace: pod[1] } });
      }
      const wl =
        /^\/apis\/apps\/v1\/namespaces\/([^/]+)\/(deployments|statefulsets|daemonsets)\/([^/]+)(\/scale)?$/.exec(
          url.pathname,
        );
      if (!wl) return status(404, 'NotFound', `the server could not find the requested resource`);
      const [, ns, plural, name, scale] = wl as unknown as [
        string,
        string,
        string,
        string,
        string | undefined,
      ];
      const w = workloads.get(`${ns}/${plural}/${name}`);
      if (!w) return status(404, 'NotFound', `${plural}.apps "${name}" not found`);
      const kind = { deployments: 'Deployment', statefulsets: 'StatefulSet', daemonsets: 'DaemonSet' }[
        plural
      ];
      const scaleObj = () => ({
        apiVersion: 'autoscaling/v1',
        kind: 'Scale',
        metadata: { name, namespace: ns },
        spec: { replicas: w.replicas },
        status: { replicas: w.replicas },
      });
      if (scale && req.method === 'GET') return send(200, scaleObj());
      if (req.method !== 'PATCH') return status(405, 'MethodNotAllowed', 'method not allowed');
      const b = body as {
        spec?: { replicas?: number; template?: { metadata?: { annotations?: Record<string, string> } } };
      };
      if (scale) {
        if (contentType !== 'application/merge-patch+json')
          return status(415, 'UnsupportedMediaType', `unsupported patch type ${contentType}`);
        if (typeof b.spec?.replicas === 'number') w.replicas = b.spec.replicas;
        return send(200, scaleObj());
      }
      if (contentType !== 'application/strategic-merge-patch+json')
        return status(415, 'UnsupportedMediaType', `unsupported patch type ${contentType}`);
      Object.assign(w.annotations, b.spec?.template?.metadata?.annotations ?? {});
      return send(200, {
        apiVersion: 'apps/v1',
        kind,
        metadata: { name, namespace: ns },
        spec: { replicas: w.replicas, template: { metadata: { annotations: w.annotations } } },
      });
    });
  });
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
  const port = (server.address() as { port: number }).port;
  const url = `http://127.0.0.1:${port}`;
  const kubeconfig = path.join(dir, 'kubeconfig.yaml');
  await writeFile(
    kubeconfig,
    [
      'apiVersion: v1',
      'kind: Config',
      'clusters:',
      '- name: fake',
      // Plain HTTP: client-node allows it only with skip-TLS-verify set (the test server has no certificate).
      `  cluster: { server: "${url}", insecure-skip-tls-verify: true }`,
      'users:',
      '- name: medic',
      `  user: { token: ${token} }`,
      'contexts:',
      '- name: fake',
      '  context: { cluster: fake, user: medic, namespace: default }',
      'current-context: fake',
      '',
    ].join('\n'),
  );
  return {
    url,
    kubeconfig,
    requests,
    workloads,
    pods,
    close: () => new Promise<void>((r) => server.close(() => r())),
  };
}
