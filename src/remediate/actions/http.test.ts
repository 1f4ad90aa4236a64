import { createServer, type IncomingHttpHeaders, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { afterEach, describe, expect, it } from 'vitest';
import { httpAction } from './http.js';
import type { ExtendedStep } from './steps.js';
import { testContext } from './testing.js';

const servers: Server[] = [];
afterEach(async () => {
  for (const s of servers.splice(0)) {
    s.closeAllConnections();
    await new Promise((r) => s.close(r));
  }
});

async function serve(handler: Parameters<typeof createServer>[1]): Promise<string> {
  const s = createServer(handler);
  servers.push(s);
  await new Promise<void>((r) => s.listen(0, '127.0.0.1', r));
  return `http://127.0.0.1:${(s.address() as AddressInfo).port}`;
}

async function run(url: string, headers: Record<string, string>) {
  const step = {
    http: { url, method: 'POST', headers, body: '{}' },
    timeout: 5_000,
  } as unknown as ExtendedStep;
  const plan = httpAction.plan(step, 'api', {});
  return httpAction.apply(plan, testContext({ step, signal: AbortSignal.timeout(5_000) }));
}

describe('http action', () => {
  it('sends its headers only to the configured origin, not along a redirect elsewhere', async () => {
    const seen: IncomingHttpHeaders[] = [];
    const elsewhere = await serve((req, res) => {
      seen.push(req.headers);
      res.end('ok');
    });
    const admin = await serve((req, res) => {
      if (req.url === '/away') res.writeHead(307, { location: `${elsewhere}/x` }).end();
      else if (req.url === '/here') res.writeHead(307, { location: '/done' }).end();
      else {
        seen.push(req.headers);
        res.end('ok');
      }
    });
    expect(await run(`${admin}/here`, { 'X-Token': 'secret' })).toMatch(/answered 200/);
    expect(seen[0]?.['x-token']).toBe('secret');
    expect(await run(`${admin}/away`, { 'X-Token': 'secret' })).toMatch(/answered 200/);
    expect(seen[1]).toBeDefined();
    expect(seen[1]?.['x-token']).toBeUndefined();
  });

  it('does not wait for the end of an answer that never ends', async () => {
    const url = await serve((_req, res) => {
      res.writeHead(200);
      const timer = setInterval(() => res.write('x'.repeat(16 * 1024)), 1);
      res.on('close', () => clearInterval(timer));
    });
    const t0 = performance.now();
    expect(await run(url, {})).toMatch(/answered 200/);
    expect(performance.now() - t0).toBeLessThan(2_000);
  });
});
