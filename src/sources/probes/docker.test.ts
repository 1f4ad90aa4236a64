import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import Docker from 'dockerode';
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { checkSchema } from '../../config/index.js';
import { dockerProbe } from './docker.js';
import { containerId, type FakeContainerState, FakeDockerEngine } from './docker-api.fixture.js';
import { check, context } from './testing.fixture.js';

let dir: string;
let engine: FakeDockerEngine;

beforeAll(async () => {
  dir = await mkdtemp(join(tmpdir(), 'medic-docker-probe-'));
  engine = new FakeDockerEngine(join(dir, 'docker.sock'));
  await engine.listen();
});
afterAll(async () => {
  await engine.close();
  await rm(dir, { recursive: true, force: true });
});
beforeEach(() => {
  engine.containers.length = 0;
  engine.requests.length = 0;
  engine.hang = false;
});

/** Each run its own service unless told: the restart baseline is kept per service. */
let n = 0;
const run = (container: string, opts: { service?: string; timeout?: number } = {}) =>
  dockerProbe.run(
    check({ docker: { container, socket_path: engine.socketPath }, timeout: opts.timeout ?? 5000 }),
    context(5_000, { service: opts.service ?? `docker-${++n}` }),
  );

const STARTED = '2026-03-01T10:00:01.000000000Z';
const FINISHED = '2026-03-01T11:30:00.123456789Z';
const unhealthyLog = [
  { exitCode: 0, output: 'ok' },
  { exitCode: 1, output: 'curl: (7) Failed to connect to 127.0.0.1 port 8080:\n Connection refused\n' },
];

describe('docker probe (dockerode against a Docker Engine API server on a unix socket)', () => {
  const table: {
    name: string;
    state: Partial<FakeContainerState>;
    ok: boolean;
    degraded?: boolean;
    message: string;
  }[] = [
    {
      name: 'running, no HEALTHCHECK',
      state: {},
      ok: true,
      message: `running since ${STARTED}; restart count 0`,
    },
    {
      name: 'running and healthy',
      state: { health: { status: 'healthy', failingStreak: 0, log: [{ exitCode: 0, output: 'ok' }] } },
      ok: true,
      message: `running (healthy) since ${STARTED}; restart count 0`,
    },
    {
      name: 'health still starting',
      state: { health: { status: 'starting', failingStreak: 1, log: [] }, restartCount: 3 },
      ok: true,
      message: `running (starting) since ${STARTED}; restart count 3`,
    },
    {
      name: 'unhealthy: the failing streak and the last check output',
      state: { health: { status: 'unhealthy', failingStreak: 3, log: unhealthyLog } },
      ok: false,
      message:
        'unhealthy (3 health checks failed in a row): curl: (7) Failed to connect to 127.0.0.1 port 8080: Connection refused',
    },
    {
      name: 'exited, killed by the kernel OOM killer',
      state: { status: 'exited', exitCode: 137, oomKilled: true, finishedAt: FINISHED },
      ok: false,
      message: `exited with code 137 (SIGKILL) (OOM-killed) at ${FINISHED}`,
    },
    {
      name: 'exited with an error code',
      state: { status: 'exited', exitCode: 1, finishedAt: FINISHED },
      ok: false,
      message: `exited with code 1 at ${FINISHED}`,
    },
    {
      name: 'restarting by its restart policy',
      state: { status: 'restarting', exitCode: 1, restartCount: 7 },
      ok: false,
      message: 'restarting (restart count 7, last exit code 1)',
    },
    {
      name: 'restarting after an OOM kill',
      state: { status: 'restarting', exitCode: 137, oomKilled: true, restartCount: 2 },
      ok: false,
      message: 'restarting (restart count 2, last exit code 137 (SIGKILL), OOM-killed)',
    },
    { name: 'paused', state: { status: 'paused' }, ok: false, message: 'paused' },
    {
      name: 'created, never started',
      state: { status: 'created' },
      ok: false,
      message: 'created, never started',
    },
    {
      name: 'dead',
      state: { status: 'dead' },
      ok: false,
      message: 'dead (the daemon failed to remove it)',
    },
  ];
  for (const t of table) {
    it(t.name, async () => {
      engine.add('api', { startedAt: STARTED, ...t.state });
      const r = await run('api');
      expect(r.message).toBe(t.message);
      expect(r.ok).toBe(t.ok);
      expect(r.degraded).toBe(t.degraded);
      expect(engine.requests).toEqual([`/containers/api/json`]);
    });
  }

  it('puts the container figures in details', async () => {
    engine.add('api', {
      status: 'exited',
      exitCode: 137,
      oomKilled: true,
      restartCount: 4,
      finishedAt: FINISHED,
      health: { status: 'unhealthy', failingStreak: 5, log: unhealthyLog },
    });
    const r = await run('api');
    expect(r.details).toEqual({
      container: 'api',
      id: containerId('api').slice(0, 12),
      name: 'api',
      image: 'shop/api:1.4.2',
      status: 'exited',
      exitCode: 137,
      oomKilled: true,
      restartCount: 4,
      restartsSinceLastCheck: 0,
      startedAt: '2026-03-01T10:00:01.000000000Z',
      finishedAt: FINISHED,
      health: 'unhealthy',
      failingStreak: 5,
    });
  });

  it('a restart count rising between runs is degraded; steady again, up; recreated, a new baseline', async () => {
    const c = engine.add('worker', { restartCount: 1 });
    const service = 'restarts';
    expect((await run('worker', { service })).ok).toBe(true); // the baseline
    c.restartCount = 3;
    const r = await run('worker', { service });
    expect(r).toMatchObject({
      ok: false,
      degraded: true,
      message: 'restarted 2 times since the last check (restart count 3)',
    });
    expect((r.details as { restartsSinceLastCheck: number }).restartsSinceLastCheck).toBe(2);
    c.restartCount = 4;
    expect((await run('worker', { service })).message).toBe(
      'restarted 1 time since the last check (restart count 4)',
    );
    expect((await run('worker', { service })).ok).toBe(true);
    // Recreated under the same name: a new id, counting from 0 again; neither a rise nor an error.
    c.id = containerId('worker-v2');
    c.restartCount = 0;
    expect(await run('worker', { service })).toMatchObject({ ok: true });
    c.restartCount = 1;
    expect(await run('worker', { service })).toMatchObject({ ok: false, degraded: true });
  });

  it('finds a container by full id and by id prefix, as docker does', async () => {
    engine.add('api', {});
    const id = containerId('api');
    expect((await run(id)).ok).toBe(true);
    const r = await run(id.slice(0, 12));
    expect(r.ok).toBe(true);
    expect((r.details as { name: string }).name).toBe('api');
  });

  it('an unknown container is down, named', async () => {
    const r = await run('nope');
    expect(r).toMatchObject({ ok: false, message: 'no such container: nope' });
    expect(r.degraded).toBeUndefined();
  });

  it('no daemon at the socket is down, saying so', async () => {
    const path = join(dir, 'absent.sock');
    const r = await dockerProbe.run(
      check({ docker: { container: 'api', socket_path: path } }),
      context(5_000),
    );
    expect(r).toMatchObject({ ok: false, message: `no Docker daemon socket at ${path}` });
  });

  it('a hung daemon is a timeout within the check timeout', async () => {
    engine.add('api', {});
    engine.hang = true;
    const t0 = performance.now();
    const r = await dockerProbe.run(
      check({ docker: { container: 'api', socket_path: engine.socketPath }, timeout: '300ms' }),
      context(300),
    );
    expect(r).toMatchObject({ ok: false, message: 'timed out after 300ms' });
    expect(performance.now() - t0).toBeLessThan(3_000);
  });

  it('over TCP (url), the same answers', async () => {
    const tcp = new FakeDockerEngine(null);
    await tcp.listen();
    try {
      tcp.add('db', { status: 'exited', exitCode: 0, finishedAt: FINISHED });
      const r = await dockerProbe.run(check({ docker: { container: 'db', url: tcp.url } }), context());
      expect(r).toMatchObject({ ok: false, message: `exited with code 0 at ${FINISHED}` });
      await tcp.close();
      const gone = await dockerProbe.run(check({ docker: { container: 'db', url: tcp.url } }), context());
      expect(gone.ok).toBe(false);
      // Refused, or reset when the agent had kept the previous connection open.
      expect(gone.message).toMatch(
        new RegExp(`^cannot reach the Docker daemon at ${tcp.url}: connection (refused|reset)$`),
      );
    } finally {
      await tcp.close();
    }
  });

  it("the test server speaks the daemon's ping and version as dockerode reads them", async () => {
    const docker = new Docker({ socketPath: engine.socketPath as string });
    expect(String(await docker.ping())).toBe('OK');
    expect(await docker.version()).toMatchObject({ ApiVersion: '1.45', Os: 'linux' });
  });

  it('config: socket_path or url, a valid container reference', () => {
    const issues = (docker: Record<string, unknown>) =>
      checkSchema.safeParse({ docker }).error?.issues.map((i) => `${i.path.join('.')}: ${i.message}`);
    expect(issues({ container: 'api', socket_path: '/s', url: 'http://127.0.0.1:2375' })).toEqual([
      'docker: socket_path or url, not both',
    ]);
    expect(issues({ container: '../etc' })).toEqual(['docker.container: a container name or id']);
    expect(issues({})?.[0]).toMatch(/^docker\.container: /);
    expect(checkSchema.parse({ docker: { container: 'api' } }).docker).toEqual({ container: 'api' });
  });
});
