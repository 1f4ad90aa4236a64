import { type ChildProcess, spawn } from 'node:child_process';
import { existsSync } from 'node:fs';
import { type AddressInfo, createServer } from 'node:net';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { redisProbe } from './redis.js';
import { parseReply, RedisConnection, RedisError } from './redis-client.js';
import { check, context } from './testing.fixture.js';

const REDIS = '/usr/bin/redis-server';
const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

function freePort(): Promise<number> {
  return new Promise((resolve) => {
    const srv = createServer().listen(0, '127.0.0.1', () => {
      const { port } = srv.address() as AddressInfo;
      srv.close(() => resolve(port));
    });
  });
}

describe('RESP parsing', () => {
  it('waits for a whole reply and reads each type', () => {
    expect(parseReply(Buffer.from('$5\r\nhel'))).toBeUndefined();
    expect(parseReply(Buffer.from('$5\r\nhello\r\n'))).toEqual({ value: 'hello', end: 11 });
    expect(parseReply(Buffer.from('*2\r\n:1\r\n$-1\r\n'))?.value).toEqual([1, null]);
    expect(parseReply(Buffer.from('-OOM no\r\n'))?.value).toBeInstanceOf(RedisError);
  });
});

describe('redis probe against Debian redis-server', () => {
  let server: ChildProcess;
  let port: number;
  let admin: RedisConnection;

  const redisCheck = (extra: Record<string, unknown> = {}) =>
    check({ redis: { url: `redis://127.0.0.1:${port}`, ...extra }, interval: '1s', timeout: '500ms' });
  const cmd = async (...args: string[]) => admin.command(...args);

  beforeAll(async () => {
    // No silent skip: without the binary this fails, naming the package (scripts/system-deps.sh installs it).
    if (!existsSync(REDIS)) throw new Error(`${REDIS} missing: apt-get install redis-server`);
    port = await freePort();
    server = spawn(
      REDIS,
      ['--port', String(port), '--bind', '127.0.0.1', '--save', '', '--appendonly', 'no'],
      {
        stdio: 'ignore',
      },
    );
    for (let i = 0; ; i++) {
      try {
        // A signal that never fires: a timeout would close the admin connection mid-file.
        admin = await RedisConnection.open(
          new URL(`redis://127.0.0.1:${port}`),
          new AbortController().signal,
        );
        break;
      } catch (e) {
        if (i > 100) throw e;
        await sleep(50);
      }
    }
  });

  afterAll(() => {
    admin?.close();
    server?.kill('SIGCONT');
    server?.kill('SIGKILL');
  });

  it('is up when healthy, with the measurements in details', async () => {
    const r = await redisProbe.run(redisCheck(), context(500));
    expect(r.ok).toBe(true);
    expect(r.degraded).toBeUndefined();
    expect(r.message).toMatch(
      /^PONG in [\d.]+ms; memory [\d.]+ MiB \(no maxmemory\); clients \d+ connected, 0 blocked$/,
    );
    expect(r.details).toMatchObject({
      host: '127.0.0.1',
      port,
      maxMemory: 0,
      maxMemoryPolicy: 'noeviction',
      blockedClients: 0,
      rejectedConnections: 0,
      lastSaveStatus: 'ok',
      maxClients: 10000,
    });
    expect(r.details?.connectedClients).toBeGreaterThanOrEqual(2); // the admin connection and the probe's
    expect(r.details?.usedMemory).toBeGreaterThan(0);
  });

  it('is degraded naming max_clients and max_blocked_clients when passed', async () => {
    const blocker = await RedisConnection.open(
      new URL(`redis://127.0.0.1:${port}`),
      AbortSignal.timeout(5000),
    );
    void blocker.command('BLPOP', 'never', '0').catch(() => {});
    await sleep(100);
    const r = await redisProbe.run(redisCheck({ max_clients: 1, max_blocked_clients: 0 }), context(500));
    blocker.close();
    expect(r).toMatchObject({ ok: false, degraded: true });
    expect(r.message).toMatch(
      /^\d+ clients connected over max_clients 1; 1 clients blocked over max_blocked_clients 0$/,
    );
  });

  it('authenticates with the password in the URL, and is down without it', async () => {
    expect(await cmd('CONFIG', 'SET', 'requirepass', 's3cret')).toBe('OK');
    try {
      const good = await redisProbe.run(
        redisCheck({ url: `redis://:s3cret@127.0.0.1:${port}` }),
        context(500),
      );
      expect(good.ok).toBe(true);
      expect(JSON.stringify(good.details)).not.toContain('s3cret');
      const bad = await redisProbe.run(redisCheck(), context(500));
      expect(bad).toMatchObject({ ok: false });
      expect(bad.degraded).toBeUndefined();
      expect(bad.message).toMatch(/^PING failed: PING: NOAUTH/);
    } finally {
      expect(await cmd('CONFIG', 'SET', 'requirepass', '')).toBe('OK');
    }
  });

  it('is degraded naming maxmemory when it is reached under noeviction, and names OOM refusals', async () => {
    // A baseline run first: the OOM counter is judged by its rise since the previous run.
    expect((await redisProbe.run(redisCheck(), context(500))).ok).toBe(true);
    const used = Number(/used_memory:(\d+)/.exec(String(await cmd('INFO', 'memory')))![1]);
    await cmd('CONFIG', 'SET', 'maxmemory-policy', 'noeviction');
    await cmd('CONFIG', 'SET', 'maxmemory', String(used + 256 * 1024));
    const value = 'x'.repeat(16 * 1024);
    let refused: unknown;
    for (let i = 0; i < 1000 && !refused; i++) {
      const reply = await cmd('SET', `k${i}`, value);
      if (reply instanceof RedisError) refused = reply;
    }
    expect(String(refused)).toMatch(/OOM/);
    const r = await redisProbe.run(redisCheck({ max_memory_used_percent: 99.9 }), context(500));
    expect(r).toMatchObject({ ok: false, degraded: true });
    expect(r.message).toMatch(/^maxmemory reached \([\d.]+ MiB of [\d.]+ MiB, noeviction: writes refused\)/);
    expect(r.message).toContain('1 writes refused with OOM (maxmemory)');
    expect(r.message).toMatch(
      /memory [\d.]+% used of maxmemory [\d.]+ MiB over max_memory_used_percent 99.9/,
    );
    expect(r.details?.memoryUsedPercent).toBeGreaterThanOrEqual(100);

    await cmd('FLUSHALL');
    await cmd('CONFIG', 'SET', 'maxmemory', '0');
    expect((await redisProbe.run(redisCheck(), context(500))).ok).toBe(true);
  });

  it('is down within the timeout when the server is SIGSTOPped, and when it is gone', async () => {
    server.kill('SIGSTOP');
    try {
      const t0 = Date.now();
      const r = await redisProbe.run(redisCheck(), context(500));
      expect(Date.now() - t0).toBeLessThan(1000);
      expect(r).toMatchObject({ ok: false, message: 'timed out after 500ms' });
      expect(r.degraded).toBeUndefined();
    } finally {
      server.kill('SIGCONT');
    }
    expect((await redisProbe.run(redisCheck(), context(500))).ok).toBe(true);

    const exited = new Promise((r) => server.once('exit', r));
    server.kill('SIGKILL');
    await exited;
    const r = await redisProbe.run(redisCheck(), context(500));
    expect(r).toMatchObject({ ok: false, message: 'cannot connect: connection refused' });
  });
});
