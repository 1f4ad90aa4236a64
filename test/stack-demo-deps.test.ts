import { type ChildProcess, spawn } from 'node:child_process';
import { readFile, writeFile } from 'node:fs/promises';
import path from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { DEMO, exited, freePort, tempDir, waitFor } from './helpers.js';

/** The demo service's optional backing (REDIS_URL, DATABASE_URL, CONFIG_FILE), on a real redis-server. */
describe('demo service dependencies', () => {
  const children: ChildProcess[] = [];
  const start = (cmd: string, args: string[], env: Record<string, string> = {}) => {
    const c = spawn(cmd, args, { env: { ...process.env, ...env }, stdio: 'ignore' });
    children.push(c);
    return c;
  };
  const get = async (url: string) => {
    const res = await fetch(url, { signal: AbortSignal.timeout(3_000) });
    return { status: res.status, body: (await res.json()) as Record<string, unknown> };
  };

  afterEach(async () => {
    for (const c of children.splice(0)) {
      c.kill('SIGKILL');
      await exited(c);
    }
  });

  it('reports each dependency on /health, uses Redis for work, and fails on a broken settings file', async () => {
    const dir = await tempDir();
    const [redisPort, dbPort, port] = [await freePort(), await freePort(), await freePort()];
    const redis = start('redis-server', [
      '--port',
      String(redisPort),
      '--bind',
      '127.0.0.1',
      '--save',
      '',
      '--dir',
      dir,
    ]);
    const config = path.join(dir, 'api.json');
    start(process.execPath, [DEMO], {
      PORT: String(port),
      REDIS_URL: `redis://127.0.0.1:${redisPort}`,
      DATA_DIR: dir,
      CONFIG_FILE: config,
    });
    const base = `http://127.0.0.1:${port}`;
    const ok = await waitFor('healthy with its cache', async () => {
      const r = await get(`${base}/health`);
      return r.status === 200 ? r : null;
    });
    expect(ok.body).toEqual({ status: 'ok', cache: 'ok' });
    const w1 = await get(`${base}/api/work`);
    const w2 = await get(`${base}/api/work`);
    expect(w1.status).toBe(200);
    expect(w2.body['cached']).toBe((w1.body['cached'] as number) + 1);

    // The settings file was written with the defaults; an out-of-range value breaks work, not liveness.
    const settings = JSON.parse(await readFile(config, 'utf8')) as Record<string, unknown>;
    await writeFile(config, JSON.stringify({ ...settings, work_iterations: -1 }));
    await waitFor('config refused', async () => (await get(`${base}/health/config`)).status === 500);
    expect((await get(`${base}/api/work`)).status).toBe(500);
    await writeFile(config, JSON.stringify(settings));
    await waitFor('config valid again', async () => (await get(`${base}/health/config`)).status === 200);
    expect((await get(`${base}/api/work`)).status).toBe(200);

    // Redis gone: /health says so (503, the cache named), /api/work fails.
    redis.kill('SIGKILL');
    await exited(redis);
    const down = await waitFor('cache reported down', async () => {
      const r = await get(`${base}/health`);
      return r.status === 503 ? r : null;
    });
    expect(String(down.body['cache'])).toMatch(/^down: /);
    expect((await get(`${base}/api/work`)).status).toBe(503);

    // Back: the client reconnects by itself.
    start('redis-server', ['--port', String(redisPort), '--bind', '127.0.0.1', '--save', '', '--dir', dir]);
    await waitFor('cache back', async () => (await get(`${base}/health`)).status === 200);

    // A database that is not there: /health names it.
    const dbPort2 = String(dbPort);
    const port2 = await freePort();
    start(process.execPath, [DEMO], {
      PORT: String(port2),
      DATABASE_URL: `postgres://postgres@127.0.0.1:${dbPort2}/postgres`,
    });
    const dbDown = await waitFor('db reported down', async () => {
      const r = await get(`http://127.0.0.1:${port2}/health`);
      return r.status === 503 ? r : null;
    });
    expect(String(dbDown.body['db'])).toMatch(/^down: /);
  }, 30_000);
});
