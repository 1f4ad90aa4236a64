import http from 'node:http';
import type { AddressInfo } from 'node:net';
import path from 'node:path';
import { afterAll, beforeAll } from 'vitest';
import { tempDir } from './testing.js';

/** One request the fake Docker Engine API took: the path without its version prefix, the body if recorded. */
export interface EngineRequest {
  method: string;
  path: string;
  query: Record<string, string>;
  body?: unknown;
}

/** Answers as dockerd does: a status, and a JSON body unless there is none (204, 304). */
export type Reply = (code: number, body?: unknown) => void;

export interface FakeEngine {
  /** Every request taken, in order; a test empties it before it starts. */
  readonly requests: EngineRequest[];
  /** The unix socket it listens on (set before the first test). */
  socketPath: string;
  /** `http://127.0.0.1:<port>` when it listens on TCP too, else ''. */
  host: string;
}

/**
 * A Docker Engine API server for the docker action's tests, on a unix socket (and on TCP if asked), from the
 * file's first test to its last. `route` plays dockerd for the endpoints the test uses; every request is
 * recorded before it answers, with its body when `bodies` is set (the body is parsed for `route` either way).
 */
export function fakeDockerEngine(
  route: (req: EngineRequest, reply: Reply) => unknown,
  opts: { tcp?: boolean; bodies?: boolean } = {},
): FakeEngine {
  const engine: FakeEngine = { requests: [], socketPath: '', host: '' };
  const servers: http.Server[] = [];
  const handler = async (req: http.IncomingMessage, res: http.ServerResponse): Promise<void> => {
    const url = new URL(req.url ?? '/', 'http://docker');
    let raw = '';
    for await (const c of req) raw += c;
    const body: unknown = raw ? JSON.parse(raw) : undefined;
    const request: EngineRequest = {
      method: req.method ?? '',
      path: url.pathname.replace(/^\/v\d+\.\d+/, ''),
      query: Object.fromEntries(url.searchParams),
    };
    engine.requests.push({ ...request, ...(opts.bodies && body ? { body } : {}) });
    route({ ...request, ...(body ? { body } : {}) }, (code, out) => {
      res.writeHead(code, out === undefined ? {} : { 'content-type': 'application/json' });
      res.end(out === undefined ? undefined : JSON.stringify(out));
    });
  };
  const serve = async (listen: (s: http.Server, ready: () => void) => void): Promise<http.Server> => {
    const server = http.createServer((req, res) => void handler(req, res));
    servers.push(server);
    await new Promise<void>((r) => listen(server, r));
    return server;
  };
  beforeAll(async () => {
    engine.socketPath = path.join(await tempDir(), 'docker.sock');
    await serve((s, ready) => s.listen(engine.socketPath, ready));
    if (opts.tcp) {
      const tcp = await serve((s, ready) => s.listen(0, '127.0.0.1', ready));
      engine.host = `http://127.0.0.1:${(tcp.address() as AddressInfo).port}`;
    }
  });
  afterAll(async () => {
    for (const s of servers.splice(0)) await new Promise((r) => s.close(r));
  });
  return engine;
}
