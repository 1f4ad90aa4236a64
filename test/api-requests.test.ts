import http from 'node:http';
import { afterEach, describe, expect, it } from 'vitest';
import type { ApiOptions } from '../src/api/index.js';
import { type ApiFixture, apiFixture, auth } from '../src/api/testing.js';
import { waitFor } from './helpers.js';
import { rawExchange, request } from './raw-http.js';

let fx: ApiFixture | null = null;
afterEach(async () => {
  await fx?.close();
  fx = null;
});

async function serve(opts: ApiOptions = {}): Promise<string> {
  fx = await apiFixture(opts);
  return fx.api.app.listen({ host: '127.0.0.1', port: 0 });
}

/** An SSE stream as a raw response: `ended` resolves when the server closes it. */
function openStream(url: string, token: string): Promise<{ status: number; ended: Promise<void> }> {
  return new Promise((resolve, reject) => {
    const req = http.get(`${url}/api/events`, { headers: auth(token), agent: false }, (res) => {
      res.resume();
      const ended = new Promise<void>((r) => {
        res.on('close', () => r());
      });
      resolve({ status: res.statusCode ?? 0, ended });
    });
    req.on('error', reject);
  });
}

describe('API request handling', () => {
  it('refuses an unknown caller before reading its body', async () => {
    // A server that waited for the body would answer only when the request timeout (10 s here) cut it off.
    const url = await serve({ timeouts: { requestMs: 10_000 } });
    const { host } = new URL(url);
    // Headers announce a body that never comes: a 401 must not wait for it. Margins for a loaded machine: the
    // answer takes milliseconds; anything under half the timeout proves it did not wait.
    for (const length of [100, 10_000_000]) {
      const r = await rawExchange(
        url,
        `POST /api/checks/run HTTP/1.1\r\nHost: ${host}\r\nContent-Type: application/json\r\nContent-Length: ${length}\r\n\r\n`,
        9_000,
        (data) => data.includes('\r\n\r\n'),
      );
      expect(r.data, `Content-Length ${length}`).toMatch(/^HTTP\/1\.1 401 /);
      expect(r.afterMs).toBeLessThan(5_000);
    }
    // Nor parse a malformed one: 401, not 400.
    const bad = await request(`${url}/api/checks/run`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: '{nope',
    });
    expect(bad.status).toBe(401);
  });

  it('a percent-encoded /api path meets the same rate limit and headers', async () => {
    const url = await serve({ rateLimit: { max: 3, windowMs: 60_000 } });
    const codes: number[] = [];
    for (let i = 0; i < 5; i++) codes.push((await request(`${url}/%61pi/health`)).status);
    expect(codes).toEqual([200, 200, 200, 429, 429]);
    const signedIn: number[] = [];
    for (let i = 0; i < 4; i++) {
      const r = await request(`${url}/%61pi/status`, { headers: auth(fx!.tokens.viewer) });
      expect(r.headers['cache-control']).toBe('no-store');
      signedIn.push(r.status);
    }
    expect(signedIn).toEqual([200, 200, 200, 429]);
  });

  it('server.trust_proxy: each client behind the proxy has its own lockout, and without it X-Forwarded-For is ignored', async () => {
    const limits = { rateLimit: { maxAuthFailures: 2 } };
    const tryAs = (url: string, client: string, token: string) =>
      request(`${url}/api/status`, { headers: { ...auth(token), 'x-forwarded-for': client } });
    const bad = 'medic_000000000000_nopenopenopenopenopenopenopenopenopenopenopen';
    let url = await serve({ ...limits, trustProxy: ['127.0.0.1'] });
    for (let i = 0; i < 3; i++) await tryAs(url, '203.0.113.7', bad);
    expect((await tryAs(url, '203.0.113.7', fx!.tokens.viewer)).status).toBe(429);
    expect((await tryAs(url, '203.0.113.8', fx!.tokens.viewer)).status).toBe(200);
    await fx!.close();

    url = await serve(limits);
    for (let i = 0; i < 3; i++) await tryAs(url, '203.0.113.7', bad);
    expect((await tryAs(url, '203.0.113.8', fx!.tokens.viewer)).status).toBe(429);
  });

  it('cuts off a client that sends half a request or nothing at all', async () => {
    // Short timeouts (300 ms, 500 ms); the defaults are 30 s and 60 s. Closed by the server within 8 s shows
    // it cut the client off by the configured timeout, with slack for a loaded machine.
    const url = await serve({ timeouts: { requestMs: 300, idleMs: 500 } });
    const half = await rawExchange(url, 'GET /api/health HTTP/1.1\r\nHost: x\r\n', 8_000);
    expect(half.closedByServer).toBe(true);
    expect(half.afterMs).toBeLessThan(8_000);
    const silent = await rawExchange(url, '', 8_000);
    expect(silent.closedByServer).toBe(true);
    expect(silent.afterMs).toBeLessThan(8_000);
  });

  it('caps live event streams, keeps them past the request timeout, and ends a revoked token’s stream', async () => {
    // Neither the idle timeout nor the periodic re-check can end a stream during this test: only the revocation
    // itself can, so the wait for it may be long (a loaded machine) and still proves "at once".
    const url = await serve({
      sseMaxConnections: 2,
      timeouts: { requestMs: 200, idleMs: 60_000 },
      heartbeatMs: 100,
      sseRecheckMs: 600_000,
    });
    const viewer = await openStream(url, fx!.tokens.viewer);
    const operator = await openStream(url, fx!.tokens.operator);
    expect([viewer.status, operator.status]).toEqual([200, 200]);
    const third = await request(`${url}/api/events`, { headers: auth(fx!.tokens.admin) });
    expect(third.status).toBe(503);
    let viewerEnded = false;
    void viewer.ended.then(() => {
      viewerEnded = true;
    });
    await new Promise((r) => setTimeout(r, 600));
    expect(viewerEnded).toBe(false);
    const revoked = await request(`${url}/api/tokens/viewer-bot`, {
      method: 'DELETE',
      headers: auth(fx!.tokens.admin),
    });
    expect(revoked.status).toBe(200);
    await waitFor('the revoked token’s stream to end', () => viewerEnded, 10_000);
    expect(fx!.api.events.connected).toBe(1);
  });
});
