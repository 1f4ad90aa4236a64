import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { httpProbe } from './http.js';
import { check, context } from './testing.fixture.js';

let server: Server;
let base: string;

beforeAll(async () => {
  server = createServer((req, res) => {
    if (req.url === '/ok') res.end('status: healthy');
    else if (req.url === '/fail') {
      res.statusCode = 503;
      res.end('down');
    } else if (req.url === '/slow') setTimeout(() => res.end('slow but fine'), 150);
    else if (req.url === '/hang') {
      // Never answers.
    } else if (req.url === '/endless') {
      // A 200 whose body never ends.
      res.writeHead(200);
      const chunk = 'x'.repeat(64 * 1024);
      const timer = setInterval(() => res.write(chunk), 1);
      res.on('close', () => clearInterval(timer));
    } else if (req.url?.startsWith('/to/')) {
      res.writeHead(302, { location: decodeURIComponent(req.url.slice(4)) });
      res.end();
    } else if (req.url === '/echo') {
      res.end(JSON.stringify(req.headers));
    } else {
      res.statusCode = 404;
      res.end();
    }
  });
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
  base = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
});

afterAll(async () => {
  server.closeAllConnections();
  await new Promise((r) => server.close(r));
});

describe('http probe', () => {
  it('is ok on the expected status and says how fast', async () => {
    const r = await httpProbe.run(check({ http: { url: `${base}/ok` } }), context());
    expect(r.ok).toBe(true);
    expect(r.message).toMatch(/^200 OK in \d+ms$/);
    expect(r.details?.status).toBe(200);
  });

  it('fails on an unexpected status, accepts a list of statuses', async () => {
    const bad = await httpProbe.run(check({ http: { url: `${base}/fail` } }), context());
    expect(bad.ok).toBe(false);
    expect(bad.message).toMatch(/^503 Service Unavailable in \d+ms, expected 200$/);
    const listed = await httpProbe.run(
      check({ http: { url: `${base}/fail`, status: [200, 503] } }),
      context(),
    );
    expect(listed.ok).toBe(true);
  });

  it('matches the body against a regex', async () => {
    const good = await httpProbe.run(
      check({ http: { url: `${base}/ok`, body: 'status: (healthy|ok)' } }),
      context(),
    );
    expect(good.ok).toBe(true);
    const bad = await httpProbe.run(check({ http: { url: `${base}/ok`, body: '^ready$' } }), context());
    expect(bad.ok).toBe(false);
    expect(bad.message).toContain('body does not match /^ready$/');
  });

  it('reports a bad regex as a failed check instead of throwing', async () => {
    const r = await httpProbe.run(check({ http: { url: `${base}/ok`, body: '(' } }), context());
    expect(r.ok).toBe(false);
    expect(r.message).toMatch(/invalid regular expression/);
  });

  it('is degraded when slower than max_latency', async () => {
    const r = await httpProbe.run(check({ http: { url: `${base}/slow`, max_latency: '50ms' } }), context());
    expect(r).toMatchObject({ ok: false, degraded: true });
    expect(r.latencyMs).toBeGreaterThanOrEqual(140);
    expect(r.message).toMatch(/slower than 50ms/);
  });

  it('times out promptly on a server that never answers', async () => {
    const t0 = performance.now();
    const r = await httpProbe.run(check({ http: { url: `${base}/hang` }, timeout: 200 }), context(200));
    expect(r.ok).toBe(false);
    expect(r.message).toBe('timed out after 200ms');
    expect(performance.now() - t0).toBeLessThan(1_000);
  });

  it('says "connection refused" for a closed port', async () => {
    const closed = createServer();
    await new Promise<void>((r) => closed.listen(0, '127.0.0.1', r));
    const port = (closed.address() as AddressInfo).port;
    await new Promise((r) => closed.close(r));
    const r = await httpProbe.run(check({ http: { url: `http://127.0.0.1:${port}/` } }), context());
    expect(r.ok).toBe(false);
    expect(r.message).toBe('connection refused');
    expect(r.details?.code).toBe('ECONNREFUSED');
  });

  it('keeps its headers on their origin: a redirect to another origin gets none', async () => {
    const other = createServer((req, res) => res.end(JSON.stringify(req.headers)));
    await new Promise<void>((r) => other.listen(0, '127.0.0.1', r));
    try {
      // Another port is another origin.
      const elsewhere = `http://127.0.0.1:${(other.address() as AddressInfo).port}/`;
      const headers = { 'X-Token': 'secret' };
      const via = (to: string) => `${base}/to/${encodeURIComponent(to)}`;
      const sameOrigin = await httpProbe.run(
        check({ http: { url: via('/echo'), headers, body: '"x-token":"secret"' } }),
        context(),
      );
      expect(sameOrigin.ok).toBe(true);
      const crossOrigin = await httpProbe.run(
        check({ http: { url: via(elsewhere), headers, body: 'x-token' } }),
        context(),
      );
      expect(crossOrigin).toMatchObject({ ok: false, details: { status: 200 } });
      expect(crossOrigin.message).toContain('body does not match');
    } finally {
      other.closeAllConnections();
      await new Promise((r) => other.close(r));
    }
  });

  it('reads at most 1 MiB of a body that never ends, and answers at once', async () => {
    const t0 = performance.now();
    const r = await httpProbe.run(
      check({ http: { url: `${base}/endless` }, timeout: 3_000 }),
      context(3_000),
    );
    expect(r.ok).toBe(true);
    expect(r.message).toMatch(/^200 OK in \d+ms$/);
    expect(performance.now() - t0).toBeLessThan(2_000);
  });
});
