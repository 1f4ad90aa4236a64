import { beforeEach, describe, expect, it } from 'vitest';
import { dockerAction } from './docker.js';
import { fakeDockerEngine } from './docker-engine.fixture.js';
import type { ExtendedStep } from './steps.js';
import { testContext } from './testing.js';

const containers = new Map<string, { running: boolean }>();

/**
 * dockerd for the endpoints the action uses (inspect, start, stop, restart): 204 on success, 304 when already
 * in that state, 404 with {"message"} for no such container.
 */
const engine = fakeDockerEngine(
  (req, json) => {
    const m = /^\/containers\/([^/]+)\/(json|start|stop|restart)$/.exec(req.path);
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
  },
  { tcp: true },
);
const { requests } = engine;

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
      step({ container: 'web', socket_path: engine.socketPath, stop_timeout: '5s' }),
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
      step({ container: '{{finding.labels.container}}', action: 'start', host: engine.host }),
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
      step({ container: 'web', action: 'stop', socket_path: engine.socketPath }),
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
    const plan = dockerAction.plan(step({ container: 'ghost', socket_path: engine.socketPath }), 'x', {});
    await expect(dockerAction.apply(plan, testContext())).rejects.toThrow(/no such container/);
    expect(() =>
      dockerAction.plan(step({ container: '../../images', socket_path: engine.socketPath }), 'x', {}),
    ).toThrow(/invalid container/);
  });

  it('cannot undo a restart', async () => {
    const plan = dockerAction.plan(step({ container: 'web', socket_path: engine.socketPath }), 'web', {});
    await expect(
      dockerAction.rollback!(plan, testContext(), { files: [], state: { running: true } }),
    ).rejects.toThrow(/cannot be undone/);
  });
});
