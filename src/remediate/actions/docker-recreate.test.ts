import { randomBytes } from 'node:crypto';
import { beforeEach, describe, expect, it } from 'vitest';
import { dockerAction } from './docker.js';
import { type EngineRequest, fakeDockerEngine, type Reply } from './docker-engine.fixture.js';
import type { ExtendedStep } from './steps.js';
import { testContext } from './testing.js';

/**
 * dockerd for what a recreate uses (inspect, stop, rename, create, start, remove), answering as dockerd does:
 * containers found by name or id, 409 for a name in use or removing a running container, 404 `{"message"}`
 * for what does not exist, 304 for a stop of a stopped container.
 */
interface Box {
  id: string;
  name: string;
  running: boolean;
  config: Record<string, unknown>;
  hostConfig: Record<string, unknown>;
  networks: Record<string, Record<string, unknown>>;
}
const boxes: Box[] = [];
/** Images `create` knows; any other is dockerd's 404 "No such image". */
const images = new Set(['shop/api:1.4']);

const find = (ref: string) => boxes.find((b) => b.name === ref || b.id === ref || b.id.startsWith(ref));

function inspect(b: Box) {
  return {
    Id: b.id,
    Name: `/${b.name}`,
    State: { Status: b.running ? 'running' : 'exited', Running: b.running },
    Config: b.config,
    HostConfig: b.hostConfig,
    NetworkSettings: { Networks: b.networks },
  };
}

/** The part of a create's body the fake reads. */
interface CreateBody {
  Image: string;
  Hostname?: string;
  HostConfig: Record<string, unknown>;
  NetworkingConfig?: { EndpointsConfig?: Record<string, object> };
  [field: string]: unknown;
}

function handler(req: EngineRequest, json: Reply): unknown {
  const { path: p, query } = req;
  const body = req.body as CreateBody;
  if (p === '/containers/create' && req.method === 'POST') {
    const name = query['name'] ?? '';
    const taken = find(name);
    if (taken && taken.name === name)
      return json(409, {
        message: `Conflict. The container name "/${name}" is already in use by container "${taken.id}".`,
      });
    if (!images.has(body.Image)) return json(404, { message: `No such image: ${body.Image}` });
    const { HostConfig, NetworkingConfig, ...config } = body;
    const id = randomBytes(32).toString('hex');
    const networks: Box['networks'] = {};
    for (const [n, ep] of Object.entries((NetworkingConfig?.EndpointsConfig ?? {}) as Record<string, object>))
      networks[n] = { ...ep, Aliases: [...((ep as { Aliases?: string[] }).Aliases ?? []), id.slice(0, 12)] };
    boxes.push({
      id,
      name,
      running: false,
      config: { ...config, Hostname: config.Hostname ?? id.slice(0, 12) },
      hostConfig: HostConfig,
      networks,
    });
    return json(201, { Id: id, Warnings: [] });
  }
  const m = /^\/containers\/([^/]+)(?:\/(json|start|stop|rename))?$/.exec(p);
  if (!m) return json(404, { message: 'page not found' });
  const b = find(m[1] as string);
  if (!b) return json(404, { message: `No such container: ${m[1]}` });
  switch (`${req.method} ${m[2] ?? ''}`) {
    case 'GET json':
      return json(200, inspect(b));
    case 'POST stop':
      if (!b.running) return json(304);
      b.running = false;
      return json(204);
    case 'POST start':
      if (b.running) return json(304);
      b.running = true;
      return json(204);
    case 'POST rename': {
      const to = query['name'] ?? '';
      if (boxes.some((o) => o.name === to))
        return json(409, { message: `Conflict. The name "/${to}" is already in use` });
      b.name = to;
      return json(204);
    }
    case 'DELETE ':
      if (b.running && query['force'] !== 'true')
        return json(409, {
          message: `You cannot remove a running container ${b.id}. Stop the container before attempting removal or force remove`,
        });
      boxes.splice(boxes.indexOf(b), 1);
      return json(204);
    default:
      return json(405, { message: 'method not allowed' });
  }
}

const engine = fakeDockerEngine(handler, { bodies: true });
const { requests } = engine;

const OLD_ID = `a1b2c3d4e5f6${'0'.repeat(52)}`;
beforeEach(() => {
  requests.length = 0;
  boxes.length = 0;
  boxes.push({
    id: OLD_ID,
    name: 'api',
    running: true,
    config: {
      Hostname: 'a1b2c3d4e5f6',
      Image: 'shop/api:1.4',
      Env: ['PORT=8080', 'DATABASE_URL=postgres://db/shop'],
      Cmd: ['node', 'server.js'],
      Labels: { 'com.docker.compose.service': 'api' },
      ExposedPorts: { '8080/tcp': {} },
    },
    hostConfig: {
      Binds: ['/srv/api/data:/data'],
      PortBindings: { '8080/tcp': [{ HostIp: '', HostPort: '8080' }] },
      RestartPolicy: { Name: 'unless-stopped', MaximumRetryCount: 0 },
      NetworkMode: 'shop',
    },
    networks: { shop: { Aliases: ['api', 'a1b2c3d4e5f6'], NetworkID: 'n1', IPAddress: '172.18.0.4' } },
  });
});

const step = (docker: Record<string, unknown>) =>
  ({ timeout: 30_000, docker: { socket_path: engine.socketPath, ...docker } }) as unknown as ExtendedStep;

describe('docker recreate (real dockerode against a Docker Engine API server)', () => {
  it('a new container under the same name, from the same config; the old one removed once the new one runs', async () => {
    const plan = dockerAction.plan(
      step({ container: 'api', action: 'recreate', stop_timeout: '5s' }),
      'api',
      {},
    );
    expect(plan.description).toBe('docker recreate api');
    const msg = await dockerAction.apply(plan, testContext());
    expect(boxes).toHaveLength(1);
    const fresh = boxes[0] as Box;
    expect(fresh).toMatchObject({ name: 'api', running: true });
    expect(fresh.id).not.toBe(OLD_ID);
    expect(msg).toBe(
      `docker recreate api: new container ${fresh.id.slice(0, 12)} from shop/api:1.4 (was a1b2c3d4e5f6)`,
    );
    const aside = 'api-medic-replaced-a1b2c3d4e5f6';
    expect(requests.map((r) => `${r.method} ${r.path} ${JSON.stringify(r.query)}`)).toEqual([
      'GET /containers/api/json {}',
      `POST /containers/${OLD_ID}/stop {"t":"5"}`,
      `POST /containers/${OLD_ID}/rename {"name":"${aside}"}`,
      'POST /containers/create {"name":"api"}',
      `POST /containers/${fresh.id}/start {}`,
      `DELETE /containers/${OLD_ID} {}`,
    ]);
    const created = requests.find((r) => r.path === '/containers/create')?.body as Record<string, unknown>;
    expect(created).toEqual({
      Image: 'shop/api:1.4',
      Env: ['PORT=8080', 'DATABASE_URL=postgres://db/shop'],
      Cmd: ['node', 'server.js'],
      Labels: { 'com.docker.compose.service': 'api' },
      ExposedPorts: { '8080/tcp': {} },
      HostConfig: {
        Binds: ['/srv/api/data:/data'],
        PortBindings: { '8080/tcp': [{ HostIp: '', HostPort: '8080' }] },
        RestartPolicy: { Name: 'unless-stopped', MaximumRetryCount: 0 },
        NetworkMode: 'shop',
      },
      // Its own alias kept; the old short id (docker's) and the old address dropped.
      NetworkingConfig: { EndpointsConfig: { shop: { Aliases: ['api'] } } },
    });
  });

  it('a new container that cannot be made: the old one gets its name back and runs again', async () => {
    const b = boxes[0] as Box;
    b.config = { ...b.config, Image: 'shop/api:2.0' }; // its tag was removed since
    const plan = dockerAction.plan(step({ container: 'api', action: 'recreate' }), 'api', {});
    await expect(dockerAction.apply(plan, testContext())).rejects.toThrow(
      /^docker recreate api: the new container failed \(.*No such image: shop\/api:2\.0.*\); the old one is back$/,
    );
    expect(boxes).toEqual([expect.objectContaining({ id: OLD_ID, name: 'api', running: true })]);
  });

  it('an unknown container fails clearly; a recreate cannot be undone', async () => {
    const ghost = dockerAction.plan(step({ container: 'ghost', action: 'recreate' }), 'x', {});
    await expect(dockerAction.apply(ghost, testContext())).rejects.toThrow(
      'docker recreate ghost: no such container',
    );
    const plan = dockerAction.plan(step({ container: 'api', action: 'recreate' }), 'api', {});
    await expect(
      dockerAction.rollback!(plan, testContext(), { files: [], state: { running: true } }),
    ).rejects.toThrow(/a docker recreate cannot be undone/);
  });
});
