import http from 'node:http';
import type { AddressInfo } from 'node:net';
import { Writable } from 'node:stream';
import pino from 'pino';
import { afterEach, describe, expect, it } from 'vitest';
import { heartbeatSchema } from '../config/index.js';
import { SimulatedClock } from '../core/index.js';
import { Heartbeat } from './heartbeat.js';

interface Hit {
  method: string;
  path: string;
  headers: http.IncomingHttpHeaders;
  body: string;
}

/** A dead man's switch receiver on a free port; `status` is what it answers. */
async function receiver(): Promise<{
  url: string;
  hits: Hit[];
  status: { code: number };
  close(): Promise<void>;
}> {
  const hits: Hit[] = [];
  const status = { code: 200 };
  const server = http.createServer((req, res) => {
    let body = '';
    req.on('data', (c: Buffer) => {
      body += c.toString();
    });
    req.on('end', () => {
      hits.push({ method: req.method ?? '', path: req.url ?? '', headers: req.headers, body });
      res.statusCode = status.code;
      res.end('OK');
    });
  });
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
  const { port } = server.address() as AddressInfo;
  return {
    url: `http://127.0.0.1:${port}`,
    hits,
    status,
    close: () => new Promise<void>((r) => server.close(() => r())),
  };
}

/** A pino logger whose lines are kept, to read what was logged (and that no secret was). */
function capturingLogger() {
  const lines: Record<string, unknown>[] = [];
  const stream = new Writable({
    write(chunk: Buffer, _enc, done) {
      for (const l of chunk.toString().split('\n'))
        if (l) lines.push(JSON.parse(l) as Record<string, unknown>);
      done();
    },
  });
  return { logger: pino({ level: 'info' }, stream), lines, text: () => JSON.stringify(lines) };
}

async function until(what: string, fn: () => boolean, ms = 5_000): Promise<void> {
  const deadline = Date.now() + ms;
  while (!fn()) {
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 10));
  }
}

const cleanups: (() => Promise<void> | void)[] = [];
afterEach(async () => {
  for (const c of cleanups.splice(0).reverse()) await c();
});

function setup(raw: Record<string, unknown>, env: NodeJS.ProcessEnv = {}) {
  const clock = new SimulatedClock();
  const log = capturingLogger();
  const state = {
    settings: heartbeatSchema.parse(raw) as ReturnType<typeof heartbeatSchema.parse> | undefined,
  };
  const stall = { reason: null as string | null };
  const hb = new Heartbeat({
    clock,
    logger: log.logger,
    settings: () => state.settings,
    stalled: () => stall.reason,
    env,
  });
  cleanups.push(() => hb.stop());
  return { clock, log, hb, state, stall };
}

describe('Heartbeat', () => {
  it('calls at start and then every interval, with the secret headers read from the environment', async () => {
    const rx = await receiver();
    cleanups.push(rx.close);
    const { clock, hb } = setup(
      {
        url: `${rx.url}/ping/abc`,
        interval: '30s',
        bearer_env: 'HB_TOKEN',
        headers: { 'X-Source': 'medic' },
        header_env: { 'X-Api-Key': 'HB_KEY' },
      },
      { HB_TOKEN: 'tok-123456', HB_KEY: 'key-654321' },
    );
    hb.start();
    await clock.advance(0);
    await until('the first call', () => hb.stats.sent === 1);
    expect(rx.hits[0]).toMatchObject({ method: 'GET', path: '/ping/abc' });
    expect(rx.hits[0]?.headers).toMatchObject({
      authorization: 'Bearer tok-123456',
      'x-api-key': 'key-654321',
      'x-source': 'medic',
    });
    // Nothing more until the interval has passed.
    await clock.advance(29_000);
    expect(rx.hits).toHaveLength(1);
    await clock.advance(1_000);
    await until('the second call', () => hb.stats.sent === 2);
    await clock.advance(30_000);
    await until('the third call', () => hb.stats.sent === 3);
    expect(rx.hits).toHaveLength(3);
    hb.stop();
    await clock.advance(120_000);
    await new Promise((r) => setTimeout(r, 50));
    expect(rx.hits).toHaveLength(3);
  });

  it('POSTs a small JSON body when asked to', async () => {
    const rx = await receiver();
    cleanups.push(rx.close);
    const { clock, hb } = setup({ url: rx.url, method: 'POST', interval: '5s' });
    hb.start();
    await clock.advance(0);
    await until('a call', () => hb.stats.sent === 1);
    expect(rx.hits[0]?.method).toBe('POST');
    expect(rx.hits[0]?.headers['content-type']).toBe('application/json');
    expect(JSON.parse(rx.hits[0]?.body ?? '')).toMatchObject({
      status: 'alive',
      at: '2026-01-01T00:00:00.000Z',
    });
  });

  it('sends nothing while the daemon is stalled, says why once, and resumes when it moves again', async () => {
    const rx = await receiver();
    cleanups.push(rx.close);
    const { clock, hb, stall, log } = setup({ url: rx.url, interval: '10s' });
    stall.reason = 'the store has not taken a write recently';
    hb.start();
    for (let i = 0; i < 3; i++) await clock.advance(i === 0 ? 0 : 10_000);
    await new Promise((r) => setTimeout(r, 50));
    expect(rx.hits).toHaveLength(0);
    expect(hb.stats.skipped).toBe(3);
    const warnings = log.lines.filter((l) => l['msg']?.toString().startsWith('heartbeat failed'));
    expect(warnings).toHaveLength(1);
    expect(warnings[0]?.['reason']).toBe('not sent: the store has not taken a write recently');
    stall.reason = null;
    await clock.advance(10_000);
    await until('a call once unstalled', () => hb.stats.sent === 1);
    await until('the recovery logged', () => log.lines.some((l) => l['msg'] === 'heartbeat delivered again'));
  });

  it('logs a failed call without the secret URL path or token, and retries next interval', async () => {
    const rx = await receiver();
    cleanups.push(rx.close);
    rx.status.code = 503;
    const secretPath = '/ping/5f1c9a3e-77b2-4f0e-9d1a-2b3c4d5e6f70';
    const { clock, hb, log } = setup(
      { url_env: 'HB_URL', interval: '10s', bearer_env: 'HB_TOKEN' },
      { HB_URL: `${rx.url}${secretPath}`, HB_TOKEN: 'sekrit-token-value' },
    );
    hb.start();
    await clock.advance(0);
    await until('the failed call', () => hb.stats.failed === 1);
    await until('the warning', () => log.text().includes('answered 503'));
    rx.status.code = 200;
    await clock.advance(10_000);
    await until('the retry', () => hb.stats.sent === 1);
    expect(rx.hits).toHaveLength(2);
    // A receiver that is gone: the error says so, still without secrets.
    await rx.close();
    cleanups.pop();
    await clock.advance(10_000);
    await until('the refused call', () => hb.stats.failed === 2);
    await until('the warning', () => log.text().includes('ECONNREFUSED'));
    const text = log.text();
    expect(text).toContain(rx.url);
    expect(text).not.toContain('5f1c9a3e');
    expect(text).not.toContain('sekrit-token-value');
  });

  it('sends nothing without the environment variable a secret comes from, and says which', async () => {
    const rx = await receiver();
    cleanups.push(rx.close);
    const { clock, hb, log } = setup({ url: rx.url, interval: '5s', header_env: { 'X-Key': 'HB_MISSING' } });
    hb.start();
    await clock.advance(0);
    await until('the warning', () => log.text().includes('HB_MISSING'));
    expect(log.text()).toContain('environment variable HB_MISSING (header X-Key) is not set');
    expect(rx.hits).toHaveLength(0);
  });

  it('a timeout is a failure, and the next interval tries again', async () => {
    // A receiver that never answers.
    const server = http.createServer(() => {});
    await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
    cleanups.push(() => {
      server.closeAllConnections();
      return new Promise<void>((r) => server.close(() => r()));
    });
    const url = `http://127.0.0.1:${(server.address() as AddressInfo).port}/hb`;
    const { clock, hb, log } = setup({ url, interval: '5s', timeout: '2s' });
    hb.start();
    await clock.advance(0);
    await new Promise((r) => setTimeout(r, 50));
    await clock.advance(2_000);
    await until('the timeout', () => hb.stats.failed === 1);
    expect(log.text()).toContain('timed out after 2.00s');
  });

  it('follows a reload: a removed heartbeat stops calling, a new URL is called at once', async () => {
    const a = await receiver();
    const b = await receiver();
    cleanups.push(a.close, b.close);
    const { clock, hb, state } = setup({ url: a.url, interval: '10s' });
    hb.start();
    await clock.advance(0);
    await until('a call to a', () => a.hits.length === 1);
    state.settings = undefined;
    hb.reload();
    await clock.advance(60_000);
    await new Promise((r) => setTimeout(r, 50));
    expect(a.hits).toHaveLength(1);
    state.settings = heartbeatSchema.parse({ url: b.url, interval: '10s' });
    hb.reload();
    await clock.advance(0);
    await until('a call to b', () => b.hits.length === 1);
    // The same settings again: no extra call.
    hb.reload();
    await clock.advance(5_000);
    await new Promise((r) => setTimeout(r, 50));
    expect(b.hits).toHaveLength(1);
  });
});

describe('heartbeat config', () => {
  it('takes url or url_env, never both or neither, and a timeout within the interval', () => {
    expect(heartbeatSchema.safeParse({ url: 'https://hc-ping.com/x' }).success).toBe(true);
    expect(heartbeatSchema.safeParse({ url_env: 'HB_URL' }).success).toBe(true);
    expect(heartbeatSchema.safeParse({}).success).toBe(false);
    expect(heartbeatSchema.safeParse({ url: 'https://a', url_env: 'B' }).success).toBe(false);
    expect(heartbeatSchema.safeParse({ url: 'ftp://a/x' }).success).toBe(false);
    expect(heartbeatSchema.safeParse({ url: 'https://a', interval: '500ms' }).success).toBe(false);
    expect(heartbeatSchema.safeParse({ url: 'https://a', interval: '5s', timeout: '10s' }).success).toBe(
      false,
    );
    expect(heartbeatSchema.parse({ url: 'https://a' })).toMatchObject({
      method: 'GET',
      interval: 60_000,
      timeout: 10_000,
    });
  });
});
