import net from 'node:net';
import { afterEach, describe, expect, it } from 'vitest';
import { bindsEverywhere, boundUrl } from './bound.js';

let server: net.Server | null = null;
afterEach(async () => {
  await new Promise((r) => (server ? server.close(r) : r(undefined)));
  server = null;
});

const listen = (host: string) =>
  new Promise<net.Server>((resolve, reject) => {
    const s = net.createServer();
    s.once('error', reject);
    s.listen(0, host, () => resolve(s));
  });

describe('boundUrl', () => {
  it('names the address the socket is bound to, not one it can be reached at', async () => {
    server = await listen('0.0.0.0');
    const { port } = server.address() as net.AddressInfo;
    expect(boundUrl(server, 'x')).toBe(`http://0.0.0.0:${port}`);
    expect(bindsEverywhere(server)).toBe(true);
  });

  it('gives loopback as loopback, and the fallback for a server not listening', async () => {
    server = await listen('127.0.0.1');
    const { port } = server.address() as net.AddressInfo;
    expect(boundUrl(server, 'x')).toBe(`http://127.0.0.1:${port}`);
    expect(bindsEverywhere(server)).toBe(false);
    expect(boundUrl(net.createServer(), 'http://fallback')).toBe('http://fallback');
  });
});
