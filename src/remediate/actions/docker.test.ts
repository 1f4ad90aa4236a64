import http from 'node:http';
import type { AddressInfo } from 'node:net';
import path from 'node:path';
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { dockerAction } from './docker.js';
import type { ExtendedStep } from './steps.js';
import { tempDir, testContext } from './testing.js';

/**
 * A Docker Engine API server for the endpoints the action uses (inspect, start, stop, restart), answering
 * as dockerd does: 204 on success, 304 when already in that state, 404 with {"message"} for no such container.
 */
interface Req {
  method: string;
  path: string;
  query: Record<string, string>;
}
const requests: Req[] = [];
const containers = new Map<string, { running: boolean }>();

function handler(req: http.IncomingMessage, res: http.ServerResponse): unknown {
  const url = new URL(req.url ?? '/', 'http://docker');
  const p = url.pathname.replace(/^\/v\d+\.\d+/, '');
  requests.push({ method: req.method ?? '', path: p, query: Object.fromEntries(url.searchParams) });
  const json = (code: number, body?: unknown) => {
    res.writeHead(code, body === undefined ? {} : { 'content-type': 'application/json' });
    res.end(body === undefined ? undefined : JSON.stringify(body));
  };
  const m = /^\/containers\/([^/]+)\/(json|start|stop|restart)$/.exec(p);
  if (!m) return json(404, { message: 'page not found' });
  const [, id, op] = m as unknown as [string, string, string];
  const c = containers.get(id);
  if (!c) return json(404, { message: `No such container: ${id}` });
  if (op === 'json' && req.method === 'GET')
    return json(200, {
      Id: `${id}0123`,
      Name: `/${id}`,
      State: { Status: c.running ? 'running' : 'exited', Running: c.running },
    });
  if (req.method !== 'POST') return json(405, { message: 'method not allowed' });
  if (op === 'start') {
    if (c.running) return json(304);
    c.running = true;
  } else if (op === 'stop') {
    if (!c.running) return json(304);
    c.running = false;
  } else c.running = true;
  return json(204);
}

let socketPath: string;
let unixServer: http.Server;
let tcpServer: http.Server;
let host: string;

beforeAll(async () => {
  socketPath = path.join(await tempDir(), 'docker.sock');
  unixServer = http.createServer(handler);
  await new Promise<void>((r) => unixServer.listen(socketPath, r));
  tcpServer = http.createServer(handler);
  await new Promise<void>((r) => tcpServer.listen(0, '127.0.0.1', r));
  host = `http://127.0.0.1:${(tcpServer.address() as AddressInfo).port}`;
});
afterAll(async () => {
  await new Promise((r) => unixServer.close(r));
  await new Promise((r) => tcpServer.close(r));
});
beforeEach(() => {
  requests.length = 0;
  containers.clear();
  containers.set('web', { running: true });
  containers.set('worker', { running: false });
});

const step = (docker: Record<string, unknown>) => ({ timeout: 30_000, docker }) as unknown as ExtendedStep;

describe('docker action (real dockerode against a Docker Engine API server)', () => {
  it('restarts a container over the unix socket with the stop timeout in seconds', async () => {
    const plan = dockerAction.plan(
      step({ container: 'web', socket_path: socketPath, stop_timeout: '5s' }),
      'web',
      {},
    );
    expect(plan.description).toBe('docker restart web');
    expect(await dockerAction.apply(plan, testContext())).toBe('docker restart web: done');
    expect(requests).toEqual([{ method: 'POST', path: '/containers/web/restart', query: { t: '5' } }]);
  });

  it('renders the container name from the finding and talks TCP when given a host', async () => {
    const vars = { service: { name: 'svc' }, finding: { labels: { container: 'worker' } } };
    const plan = dockerAction.plan(
      step({ container: '{{finding.labels.container}}', action: 'start', host }),
      'svc',
      {},
      { baseDir: '.', vars },
    );
    expect(await dockerAction.apply(plan, testContext())).toBe('docker start worker: done');
    expect(containers.get('worker')?.running).toBe(true);
    // Already running: dockerd answers 304, which is no failure.
    expect(await dockerAction.apply(plan, testContext())).toContain('already was running');
  });

  it('rolls a stop back by starting the container it found running', async () => {
    const plan = dockerAction.plan(
      step({ container: 'web', action: 'stop', socket_path: socketPath }),
      'web',
      {},
    );
    const ctx = testContext();
    const state = await dockerAction.snapshot!(plan, ctx);
    expect(state).toEqual({ running: true });
    await dockerAction.apply(plan, ctx);
    expect(containers.get('web')?.running).toBe(false);
    expect(await dockerAction.rollback!(plan, ctx, { files: [], state })).toBe('docker start web: done');
    expect(containers.get('web')?.running).toBe(true);
    expect(requests.map((r) => `${r.method} ${r.path}`)).toEqual([
      'GET /containers/web/json',
      'POST /containers/web/stop',
      'POST /containers/web/start',
    ]);
  });

  it('fails clearly on an unknown container and refuses names that are not container names', async () => {
    const plan = dockerAction.plan(step({ container: 'ghost', socket_path: socketPath }), 'x', {});
    await expect(dockerAction.apply(plan, testContext())).rejects.toThrow(/no such container/);
    expect(() =>
      dockerAction.plan(step({ container: '../../images', socket_path: socketPath }), 'x', {}),
    ).toThrow(/invalid container/);
  });

  it('cannot undo a restart', async () => {
    const plan = dockerAction.plan(step({ container: 'web', socket_path: socketPath }), 'web', {});
    await expect(
      dockerAction.rollback!(plan, testContext(), { files: [], state: { running: true } }),
    ).rejects.toThrow(/cannot be undone/);
  });
});
