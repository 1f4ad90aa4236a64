import { createServer, type Server } from 'node:net';
import { afterEach, expect, it } from 'vitest';
import { listeningInodes, portHolders, processCwd } from './port-holders.js';

const servers: Server[] = [];
afterEach(async () => {
  await Promise.all(servers.splice(0).map((s) => new Promise((r) => s.close(r))));
});

function listen(host: string): Promise<number> {
  return new Promise((resolve, reject) => {
    const srv = createServer();
    servers.push(srv);
    srv.once('error', reject);
    srv.listen(0, host, () => resolve((srv.address() as { port: number }).port));
  });
}

it('finds this process as the holder of a port it listens on, over IPv4 and IPv6', async () => {
  const v4 = await listen('127.0.0.1');
  expect(await portHolders(v4)).toEqual([process.pid]);
  const v6 = await listen('::1').catch(() => null); // a machine without IPv6 loopback skips only this half
  if (v6 !== null) expect(await portHolders(v6)).toEqual([process.pid]);
});

it('finds nobody on a port once its listener closed', async () => {
  const port = await listen('127.0.0.1');
  await new Promise((r) => servers.pop()?.close(r));
  expect(await listeningInodes(port)).toEqual(new Set());
  expect(await portHolders(port)).toEqual([]);
});

it('reads a process working directory', async () => {
  expect(await processCwd(process.pid)).toBe(process.cwd());
  expect(await processCwd(2 ** 22 + 1)).toBeNull();
});
