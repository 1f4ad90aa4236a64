import type { AddressInfo } from 'node:net';
import { createServer, type Server } from 'node:net';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { tcpProbe } from './tcp.js';
import { check, context } from './testing.fixture.js';

let server: Server;
let port: number;

beforeAll(async () => {
  server = createServer((s) => s.end());
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
  port = (server.address() as AddressInfo).port;
});

afterAll(async () => {
  await new Promise((r) => server.close(r));
});

describe('tcp probe', () => {
  it('is ok when the port accepts a connection', async () => {
    const r = await tcpProbe.run(check({ tcp: { port } }), context());
    expect(r.ok).toBe(true);
    expect(r.message).toMatch(new RegExp(`^connected to 127.0.0.1:${port} in \\d+ms$`));
  });

  it('says "connection refused" on a closed port', async () => {
    const closed = createServer();
    await new Promise<void>((r) => closed.listen(0, '127.0.0.1', r));
    const closedPort = (closed.address() as AddressInfo).port;
    await new Promise((r) => closed.close(r));
    const r = await tcpProbe.run(check({ tcp: { port: closedPort } }), context());
    expect(r).toMatchObject({ ok: false, message: 'connection refused' });
  });

  it('returns at once when the signal has already fired', async () => {
    const ctx = { ...context(), signal: AbortSignal.abort() };
    const r = await tcpProbe.run(check({ tcp: { port }, timeout: 300 }), ctx);
    expect(r).toMatchObject({ ok: false, message: 'timed out after 300ms' });
  });
});
