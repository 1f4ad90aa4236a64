/**
 * A Docker Engine API server for tests (not part of the build), on a unix socket: `GET /_ping`, `GET /version`
 * and `GET /containers/{id}/json`, with or without a `/v1.xx` prefix, answering with the bodies and headers
 * dockerd sends (shapes from the Engine API reference, v1.45). A container is found by name, full id or a
 * unique id prefix, as dockerd finds it; an unknown one is dockerd's 404 `{"message":"No such container: x"}`.
 */
import http from 'node:http';

export type ContainerStatus =
  | 'created'
  | 'running'
  | 'paused'
  | 'restarting'
  | 'removing'
  | 'exited'
  | 'dead';
export type HealthStatus = 'starting' | 'healthy' | 'unhealthy';

export interface FakeContainerState {
  name: string;
  id: string;
  status: ContainerStatus;
  exitCode: number;
  oomKilled: boolean;
  restartCount: number;
  startedAt: string;
  finishedAt: string;
  /** Present when the image (or run) declares a HEALTHCHECK. */
  health?: { status: HealthStatus; failingStreak: number; log: { exitCode: number; output: string }[] };
}

export const API_VERSION = '1.45';
const ZERO_TIME = '0001-01-01T00:00:00Z';

/** A 64-hex id made from the name, so tests can predict it. */
export function containerId(name: string): string {
  return Buffer.from(name.padEnd(32, '0')).toString('hex').slice(0, 64);
}

/** The JSON of `GET /containers/{id}/json` for a container in this state. */
export function inspectBody(c: FakeContainerState): Record<string, unknown> {
  const running = c.status === 'running' || c.status === 'paused';
  return {
    Id: c.id,
    Created: '2026-03-01T10:00:00.000000000Z',
    Path: '/usr/local/bin/docker-entrypoint.sh',
    Args: ['node', 'server.js'],
    State: {
      Status: c.status,
      Running: running,
      Paused: c.status === 'paused',
      Restarting: c.status === 'restarting',
      OOMKilled: c.oomKilled,
      Dead: c.status === 'dead',
      Pid: running ? 4242 : 0,
      ExitCode: c.exitCode,
      Error: '',
      StartedAt: c.startedAt,
      FinishedAt: c.finishedAt,
      ...(c.health && {
        Health: {
          Status: c.health.status,
          FailingStreak: c.health.failingStreak,
          Log: c.health.log.map((l, i) => ({
            Start: `2026-03-01T10:0${i}:00.000000000Z`,
            End: `2026-03-01T10:0${i}:00.500000000Z`,
            ExitCode: l.exitCode,
            Output: l.output,
          })),
        },
      }),
    },
    Image: 'sha256:9b1b3f3f0c1a2b3c4d5e6f708192a3b4c5d6e7f8091a2b3c4d5e6f708192a3b4',
    ResolvConfPath: `/var/lib/docker/containers/${c.id}/resolv.conf`,
    HostnamePath: `/var/lib/docker/containers/${c.id}/hostname`,
    LogPath: `/var/lib/docker/containers/${c.id}/${c.id}-json.log`,
    Name: `/${c.name}`,
    RestartCount: c.restartCount,
    Driver: 'overlay2',
    Platform: 'linux',
    MountLabel: '',
    ProcessLabel: '',
    AppArmorProfile: 'docker-default',
    HostConfig: {
      NetworkMode: 'bridge',
      RestartPolicy: { Name: 'unless-stopped', MaximumRetryCount: 0 },
      Memory: 268435456,
    },
    Mounts: [],
    Config: {
      Hostname: c.id.slice(0, 12),
      User: 'node',
      Tty: false,
      Env: ['NODE_ENV=production'],
      Cmd: ['node', 'server.js'],
      Image: 'shop/api:1.4.2',
      Labels: { 'com.docker.compose.service': c.name },
      ...(c.health && {
        Healthcheck: {
          Test: ['CMD-SHELL', 'curl -fsS http://127.0.0.1:8080/health || exit 1'],
          Interval: 5_000_000_000,
          Timeout: 2_000_000_000,
          Retries: 3,
        },
      }),
    },
    NetworkSettings: { IPAddress: '172.17.0.2', Ports: { '8080/tcp': null } },
  };
}

export class FakeDockerEngine {
  readonly requests: string[] = [];
  readonly containers: FakeContainerState[] = [];
  /** While true, requests are read and never answered: a daemon that hangs. */
  hang = false;
  /** `http://127.0.0.1:<port>` when listening on TCP. */
  url: string | null = null;
  private server: http.Server | null = null;

  /** On a unix socket, or with null on a TCP port of loopback (as `dockerd -H tcp://127.0.0.1:2375`). */
  constructor(readonly socketPath: string | null) {}

  add(name: string, s: Partial<Omit<FakeContainerState, 'name'>> = {}): FakeContainerState {
    const c: FakeContainerState = {
      name,
      id: containerId(name),
      status: 'running',
      exitCode: 0,
      oomKilled: false,
      restartCount: 0,
      startedAt: '2026-03-01T10:00:01.000000000Z',
      finishedAt: ZERO_TIME,
      ...s,
    };
    this.containers.push(c);
    return c;
  }

  /** dockerd's lookup: exact name (with or without "/"), full id, then a unique id prefix. */
  find(ref: string): FakeContainerState | undefined {
    const name = ref.replace(/^\//, '');
    const exact = this.containers.find((c) => c.name === name || c.id === ref);
    if (exact) return exact;
    const byPrefix = this.containers.filter((c) => c.id.startsWith(ref));
    return byPrefix.length === 1 ? byPrefix[0] : undefined;
  }

  async listen(): Promise<void> {
    const server = http.createServer((req, res) => this.handle(req, res));
    if (this.socketPath) await new Promise<void>((r) => server.listen(this.socketPath, r));
    else {
      await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
      this.url = `http://127.0.0.1:${(server.address() as { port: number }).port}`;
    }
    this.server = server;
  }

  async close(): Promise<void> {
    const server = this.server;
    if (!server) return;
    this.server = null;
    server.closeAllConnections();
    await new Promise((r) => server.close(r));
  }

  private handle(req: http.IncomingMessage, res: http.ServerResponse): unknown {
    const url = new URL(req.url ?? '/', 'http://docker');
    const path = url.pathname.replace(/^\/v\d+\.\d+/, '');
    this.requests.push(path);
    if (this.hang) return;
    // Every dockerd answer carries these.
    res.setHeader('Api-Version', API_VERSION);
    res.setHeader('Docker-Experimental', 'false');
    res.setHeader('Ostype', 'linux');
    res.setHeader('Server', 'Docker/26.1.5 (linux)');
    const json = (code: number, body: unknown) => {
      res.writeHead(code, { 'content-type': 'application/json' });
      res.end(`${JSON.stringify(body)}\n`);
    };
    if (req.method !== 'GET' && req.method !== 'HEAD') return json(404, { message: 'page not found' });
    if (path === '/_ping') {
      res.writeHead(200, { 'content-type': 'text/plain; charset=utf-8', 'cache-control': 'no-cache' });
      res.end('OK');
      return;
    }
    if (path === '/version') {
      return json(200, {
        Platform: { Name: 'Docker Engine - Community' },
        Components: [{ Name: 'Engine', Version: '26.1.5', Details: { ApiVersion: API_VERSION } }],
        Version: '26.1.5',
        ApiVersion: API_VERSION,
        MinAPIVersion: '1.24',
        GitCommit: '411e817',
        GoVersion: 'go1.21.13',
        Os: 'linux',
        Arch: 'amd64',
        KernelVersion: '6.1.0-25-amd64',
        BuildTime: '2024-09-10T11:03:14.000000000+00:00',
      });
    }
    const m = /^\/containers\/([^/]+)\/json$/.exec(path);
    if (!m) return json(404, { message: 'page not found' });
    const ref = decodeURIComponent(m[1] as string);
    const c = this.find(ref);
    if (!c) return json(404, { message: `No such container: ${ref}` });
    return json(200, inspectBody(c));
  }
}
