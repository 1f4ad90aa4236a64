import { execFile } from 'node:child_process';
import { readFile, writeFile } from 'node:fs/promises';
import http from 'node:http';
import type { AddressInfo } from 'node:net';
import path from 'node:path';
import { sql } from 'kysely';
import pino from 'pino';
import { afterAll, expect, it } from 'vitest';
import { SimulatedClock } from '../src/core/index.js';
import { createMedic } from '../src/daemon/index.js';
import { exited, ROOT, startMedicProcess, tempDir, waitFor } from './helpers.js';

const INTERVAL_MS = 1_000;
const TOKEN = 'dms-test-token-4f2a9c';

/** A dead man's switch receiver, as healthchecks.io or a Watchdog route would be: it records each call's time. */
async function receiver() {
  const hits: { at: number; path: string; auth: string | undefined }[] = [];
  const server = http.createServer((req, res) => {
    // It also stands in for the service Medic checks (its /health), so that Medic's probe loop turns.
    if (req.url !== '/health')
      hits.push({ at: Date.now(), path: req.url ?? '', auth: req.headers.authorization });
    res.end('OK');
  });
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
  const url = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  return { url, hits, close: () => new Promise<void>((r) => server.close(() => r())) };
}

const cleanups: (() => unknown)[] = [];
afterAll(async () => {
  for (const c of cleanups.reverse()) await c();
});

it('heartbeats at the configured pace while Medic runs, and none once it is killed with SIGKILL', async () => {
  const rx = await receiver();
  cleanups.push(rx.close);
  const dir = await tempDir('medic-dms-');
  const file = path.join(dir, 'medic.yaml');
  // No supervised child: a SIGKILLed Medic would leave it running.
  await writeFile(
    file,
    `services:
  web:
    checks:
      - http: { url: "${rx.url}/health" }
        interval: 500ms
        timeout: 400ms
notifiers: []
server: { host: 127.0.0.1, port: 0 }
store: { dir: ./data }
heartbeat:
  url_env: DMS_URL
  interval: ${INTERVAL_MS}ms
  bearer_env: DMS_TOKEN
`,
  );
  const medic = startMedicProcess(file, { DMS_URL: `${rx.url}/ping/medic-host`, DMS_TOKEN: TOKEN });
  cleanups.push(() => medic.kill('SIGKILL'));

  await waitFor('six heartbeats', () => rx.hits.length >= 6, 30_000);
  expect(rx.hits.every((h) => h.path === '/ping/medic-host' && h.auth === `Bearer ${TOKEN}`)).toBe(true);
  // The pace: about one an interval. Gaps measured here: 1.0 s; the ceiling allows a loaded machine.
  const gaps = rx.hits.slice(1).map((h, i) => h.at - (rx.hits[i]?.at ?? 0));
  console.log(`heartbeat gaps (ms): ${gaps.join(', ')}`);
  const median = [...gaps].sort((a, b) => a - b)[Math.floor(gaps.length / 2)] ?? 0;
  expect(median).toBeGreaterThan(INTERVAL_MS * 0.7);
  expect(median).toBeLessThan(INTERVAL_MS * 3);

  medic.kill('SIGKILL');
  await exited(medic);
  const killedAt = Date.now();
  const before = rx.hits.length;
  // Three intervals of silence (the bar is two): nothing arrives from a dead Medic.
  await new Promise((r) => setTimeout(r, 3 * INTERVAL_MS));
  expect(rx.hits.filter((h) => h.at > killedAt)).toEqual([]);
  expect(rx.hits.length).toBe(before);
  // Its log never carried the token or the ping path.
  expect(medic.output()).not.toContain(TOKEN);
  expect(medic.output()).not.toContain('medic-host');
}, 60_000);

// The other half of who watches Medic: systemd restarts it whenever it dies (the switch above says when it
// stays dead). systemd-analyze exits 0 even on unknown keys or bad values, so anything it prints is a failure.
it('the shipped systemd unit verifies cleanly and restarts Medic whatever the exit', async () => {
  const unit = path.join(ROOT, 'examples/systemd/medic.service');
  const { code, out } = await new Promise<{ code: number | null; out: string }>((resolve) => {
    execFile('systemd-analyze', ['verify', unit], { cwd: ROOT }, (err, stdout, stderr) => {
      const missing = (err as NodeJS.ErrnoException | null)?.code === 'ENOENT';
      resolve({
        code: missing ? null : err ? Number((err as { code?: number }).code ?? 1) : 0,
        out: missing ? 'systemd-analyze is not installed (Debian: apt-get install systemd)' : stdout + stderr,
      });
    });
  });
  expect(out).toBe('');
  expect(code).toBe(0);
  const text = await readFile(unit, 'utf8');
  const service = text.slice(text.indexOf('[Service]'), text.indexOf('[Install]'));
  expect(service).toMatch(/^Restart=always$/m);
  expect(service).toMatch(/^RestartSec=\d+s?$/m);
  expect(text).toMatch(/^StartLimitIntervalSec=0$/m);
  expect(service).toMatch(/^ExecStart=\S+ .* run --config /m);
});

// A Medic that cannot write its store is wedged: it must fall silent like a dead one, and speak again once
// the store takes writes. The store is made read-only under the running daemon (SQLite's query_only).
it('a Medic whose store stops taking writes stops calling, and calls again once it takes them', async () => {
  const rx = await receiver();
  cleanups.push(rx.close);
  const dir = await tempDir('medic-dms-store-');
  const file = path.join(dir, 'medic.yaml');
  await writeFile(
    file,
    `notifiers: []\nstore: { dir: ./data }\nheartbeat: { url: "${rx.url}/ping", interval: 2s }\n`,
  );
  const clock = new SimulatedClock();
  const medic = await createMedic({
    configFile: file,
    watch: false,
    clock,
    logger: pino({ level: 'silent' }),
  });
  await medic.start();
  const pings = () => rx.hits.filter((h) => h.path === '/ping').length;
  /** Moves time one interval on; resolves once the call due then has arrived, or after a real pause. */
  const step = async (expectCall: boolean) => {
    const before = pings();
    await clock.advance(2_000);
    if (expectCall) await waitFor('a heartbeat', () => pings() > before, 10_000);
    else await new Promise((r) => setTimeout(r, 200));
  };
  try {
    await clock.advance(0);
    await waitFor('the first heartbeat', () => pings() === 1, 10_000);
    for (let i = 0; i < 3; i++) await step(true);
    expect(pings()).toBe(4);

    await sql`PRAGMA query_only = ON`.execute(medic.store.db as never);
    // Calls go on while the last store write is recent (the replica's expiry less one beat: 6 s), then stop.
    for (let i = 0; i < 6; i++) await step(false);
    const silentFrom = pings();
    for (let i = 0; i < 3; i++) await step(false);
    expect(pings()).toBe(silentFrom);
    expect(silentFrom).toBeLessThanOrEqual(4 + 3);

    await sql`PRAGMA query_only = OFF`.execute(medic.store.db as never);
    await step(false); // the replica's next write lands
    await waitFor('heartbeats again', async () => {
      await step(false);
      return pings() > silentFrom;
    });
  } finally {
    await sql`PRAGMA query_only = OFF`.execute(medic.store.db as never);
    await medic.stop();
  }
}, 60_000);
