import { type ChildProcess, spawn } from 'node:child_process';
import { mkdtemp, readFile, rm } from 'node:fs/promises';
import { createServer } from 'node:net';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterEach, describe, expect, it } from 'vitest';

const server = fileURLToPath(new URL('../examples/demo-service/server.mjs', import.meta.url));

interface Demo {
  proc: ChildProcess;
  url: string;
  stdout: string[];
  exited: Promise<{ code: number | null; signal: NodeJS.Signals | null }>;
}

const running: Demo[] = [];
afterEach(() => {
  for (const d of running.splice(0))
    if (d.proc.exitCode === null && d.proc.signalCode === null) d.proc.kill('SIGKILL');
});

/** A free port: listen on 0, note the port, close (the server's contract has no PORT=0). */
async function freePort(): Promise<number> {
  const srv = createServer();
  await new Promise<void>((resolve) => srv.listen(0, '127.0.0.1', resolve));
  const addr = srv.address();
  await new Promise<void>((resolve) => srv.close(() => resolve()));
  if (addr === null || typeof addr === 'string') throw new Error('no port');
  return addr.port;
}

async function startDemo(env: Record<string, string> = {}, waitListening = true): Promise<Demo> {
  const port = await freePort();
  const proc = spawn(process.execPath, [server], {
    env: { ...process.env, PORT: String(port), ...env },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  const stdout: string[] = [];
  const exited = new Promise<{ code: number | null; signal: NodeJS.Signals | null }>((resolve) =>
    proc.on('exit', (code, signal) => resolve({ code, signal })),
  );
  const listening = new Promise<void>((resolve, reject) => {
    proc.stdout?.on('data', (chunk: Buffer) => {
      for (const line of chunk.toString().split('\n')) if (line) stdout.push(line);
      if (stdout.some((l) => l.includes('listening on'))) resolve();
    });
    void exited.then(() => reject(new Error(`exited before listening: ${stdout.join('\n')}`)));
  });
  const demo = { proc, url: `http://127.0.0.1:${port}`, stdout, exited };
  running.push(demo);
  if (waitListening) await listening;
  else listening.catch(() => {});
  return demo;
}

async function get(demo: Demo, p: string, timeoutMs = 3000): Promise<{ status: number; body: unknown }> {
  const res = await fetch(demo.url + p, { signal: AbortSignal.timeout(timeoutMs) });
  return { status: res.status, body: await res.json() };
}

async function post(demo: Demo, p: string): Promise<{ status: number; body: unknown }> {
  const res = await fetch(demo.url + p, { method: 'POST', signal: AbortSignal.timeout(3000) });
  return { status: res.status, body: await res.json() };
}

describe('demo service', () => {
  it('answers health, hello and work, logging each request', async () => {
    const demo = await startDemo();
    expect(await get(demo, '/health')).toEqual({ status: 200, body: { status: 'ok' } });
    expect((await get(demo, '/')).body).toMatchObject({ service: 'demo-service', pid: demo.proc.pid });
    expect((await get(demo, '/api/work')).status).toBe(200);
    expect((await get(demo, '/nope')).status).toBe(404);
    expect(demo.stdout.some((l) => l.includes('GET /health 200'))).toBe(true);
  });

  it('exits 0 on SIGTERM, after SHUTDOWN_DELAY_MS', async () => {
    const demo = await startDemo({ SHUTDOWN_DELAY_MS: '300' });
    const started = Date.now();
    demo.proc.kill('SIGTERM');
    expect(await demo.exited).toEqual({ code: 0, signal: null });
    expect(Date.now() - started).toBeGreaterThanOrEqual(250);
  });

  it('waits STARTUP_DELAY_MS before listening', async () => {
    const started = Date.now();
    const demo = await startDemo({ STARTUP_DELAY_MS: '400' });
    expect(Date.now() - started).toBeGreaterThanOrEqual(350);
    expect((await get(demo, '/health')).status).toBe(200);
  });

  it('exits 1 at once with FAIL_ON_START=1, still recording the start', async () => {
    const dir = await mkdtemp(path.join(tmpdir(), 'demo-'));
    try {
      const stateFile = path.join(dir, 'state.jsonl');
      const demo = await startDemo({ FAIL_ON_START: '1', STATE_FILE: stateFile }, false);
      expect(await demo.exited).toEqual({ code: 1, signal: null });
      const lines = (await readFile(stateFile, 'utf8')).trim().split('\n');
      expect(lines).toHaveLength(1);
    } finally {
      await rm(dir, { recursive: true, force: true });
    }
  });

  it('appends one STATE_FILE line per start', async () => {
    const dir = await mkdtemp(path.join(tmpdir(), 'demo-'));
    try {
      const stateFile = path.join(dir, 'state.jsonl');
      const pids: number[] = [];
      for (let i = 0; i < 2; i++) {
        const demo = await startDemo({ STATE_FILE: stateFile });
        pids.push(demo.proc.pid ?? 0);
        demo.proc.kill('SIGTERM');
        await demo.exited;
      }
      const events = (await readFile(stateFile, 'utf8'))
        .trim()
        .split('\n')
        .map((l) => JSON.parse(l) as { event: string; pid: number; at: number });
      expect(events.map((e) => [e.event, e.pid])).toEqual(pids.map((p) => ['start', p]));
      expect(events.every((e) => typeof e.at === 'number')).toBe(true);
    } finally {
      await rm(dir, { recursive: true, force: true });
    }
  });

  it('crash: answers, then exits 1 (or dies by SIGKILL with mode=kill)', async () => {
    const demo = await startDemo();
    expect((await post(demo, '/fault/crash')).status).toBe(200);
    expect(await demo.exited).toEqual({ code: 1, signal: null });

    const killed = await startDemo();
    expect((await post(killed, '/fault/crash?mode=kill')).status).toBe(200);
    expect(await killed.exited).toEqual({ code: null, signal: 'SIGKILL' });
  });

  it('hang: never answers again, but SIGTERM still exits 0', async () => {
    const demo = await startDemo();
    expect((await post(demo, '/fault/hang')).status).toBe(200);
    await expect(get(demo, '/health', 300)).rejects.toThrow();
    demo.proc.kill('SIGTERM');
    expect(await demo.exited).toEqual({ code: 0, signal: null });
  });

  it('slow: delays answers until reset, which is itself not delayed', async () => {
    const demo = await startDemo();
    await post(demo, '/fault/slow?ms=400');
    let t = Date.now();
    expect((await get(demo, '/health')).status).toBe(200);
    expect(Date.now() - t).toBeGreaterThanOrEqual(350);
    t = Date.now();
    await post(demo, '/fault/reset');
    await get(demo, '/health');
    expect(Date.now() - t).toBeLessThan(350);
  });

  it('errors: the next N health and work requests answer 500', async () => {
    const demo = await startDemo();
    await post(demo, '/fault/errors?count=3');
    const statuses = [];
    for (const p of ['/health', '/api/work', '/', '/health', '/health'])
      statuses.push((await get(demo, p)).status);
    expect(statuses).toEqual([500, 500, 200, 500, 200]);
    expect(demo.stdout.some((l) => l.includes('fault errors'))).toBe(true);
  });

  it('leak: memory grows steadily until reset', async () => {
    const demo = await startDemo();
    const rss = async () => ((await get(demo, '/')).body as { rssMb: number }).rssMb;
    const before = await rss();
    await post(demo, '/fault/leak?mb_per_s=100');
    await new Promise((r) => setTimeout(r, 700));
    expect((await rss()) - before).toBeGreaterThanOrEqual(30);
    const reset = await post(demo, '/fault/reset');
    expect(reset.body).toMatchObject({ faults: { leakMbPerS: 0 } });
  });
});
