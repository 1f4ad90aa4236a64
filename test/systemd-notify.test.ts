import { readFile, writeFile } from 'node:fs/promises';
import http from 'node:http';
import type { AddressInfo } from 'node:net';
import path from 'node:path';
import { afterAll, expect, it } from 'vitest';
import { notifySocket } from '../src/daemon/notify-socket.fixture.js';
import { exited, ROOT, startMedicProcess, tempDir, waitFor } from './helpers.js';

/**
 * `medic run` under systemd's Type=notify and WatchdogSec, with the notification socket bound by the test:
 * READY=1 once the API answers, WATCHDOG=1 every half of WATCHDOG_USEC, STOPPING=1 on SIGTERM.
 */
const WATCHDOG_MS = 1_000;

const cleanups: (() => unknown)[] = [];
afterAll(async () => {
  for (const c of cleanups.reverse()) await c();
});

// Generous waits: a Medic process starts in seconds here, in tens of them on a machine loaded by other work.
it('says READY=1 once its API answers, pings the watchdog at half WatchdogSec, and STOPPING=1 on SIGTERM', {
  timeout: 150_000,
}, async () => {
  // The service Medic checks, so that its probe loop turns (a silent loop stops the pings).
  const web = http.createServer((_req, res) => res.end('OK'));
  await new Promise<void>((r) => web.listen(0, '127.0.0.1', r));
  cleanups.push(() => web.close());
  const sock = await notifySocket();
  cleanups.push(sock.close);
  const dir = await tempDir('medic-sd-notify-');
  const file = path.join(dir, 'medic.yaml');
  await writeFile(
    file,
    `services:
  web:
    checks:
      - http: { url: "http://127.0.0.1:${(web.address() as AddressInfo).port}/health" }
        interval: 500ms
        timeout: 400ms
notifiers: []
server: { host: 127.0.0.1, port: 0 }
store: { dir: ./data }
`,
  );
  const medic = startMedicProcess(file, {
    NOTIFY_SOCKET: sock.path,
    WATCHDOG_USEC: String(WATCHDOG_MS * 1000),
  });
  cleanups.push(() => medic.kill('SIGKILL'));

  const ready = await waitFor('READY=1', () => sock.received.find((f) => f.includes('READY=1')), 90_000);
  const status = ready.find((f) => f.startsWith('STATUS='));
  expect(status).toMatch(/^STATUS=watching 1 service\(s\); API on http:\/\/127\.0\.0\.1:\d+$/);
  // Ready means serving: the API answers at once.
  const api = /API on (\S+)$/.exec(status ?? '')?.[1];
  expect((await fetch(`${api}/api/status`)).status).toBe(200);
  expect(sock.received.indexOf(ready)).toBe(0);

  await waitFor(
    'five watchdog pings',
    () => sock.received.filter((f) => f.join() === 'WATCHDOG=1').length >= 5,
    40_000,
  );
  const pings = sock.times.filter((_, i) => sock.received[i]?.join() === 'WATCHDOG=1');
  const gaps = pings.slice(1).map((t, i) => t - (pings[i] ?? 0));
  console.log(`watchdog ping gaps (ms): ${gaps.join(', ')}`);
  // Half the period apart (500 ms measured); the ceiling allows a loaded machine, and stays under the period
  // systemd would restart at only by the median.
  const median = [...gaps].sort((a, b) => a - b)[Math.floor(gaps.length / 2)] ?? 0;
  expect(median).toBeGreaterThan((WATCHDOG_MS / 2) * 0.7);
  expect(median).toBeLessThan(WATCHDOG_MS * 1.5);

  medic.kill('SIGTERM');
  await exited(medic);
  expect(medic.exitCode).toBe(0);
  expect(sock.received.at(-1)).toEqual(['STOPPING=1']);
});

it('the shipped unit is Type=notify with a watchdog, accepting the notifications of its own processes', async () => {
  const text = await readFile(path.join(ROOT, 'examples/systemd/medic.service'), 'utf8');
  const service = text.slice(text.indexOf('[Service]'), text.indexOf('[Install]'));
  expect(service).toMatch(/^Type=notify$/m);
  // systemd-notify, Medic's child, sends them: the default (main) would drop every one.
  expect(service).toMatch(/^NotifyAccess=all$/m);
  const watchdog = /^WatchdogSec=(\d+)s$/m.exec(service);
  // Room for a busy moment (a long reload, a GC pause on a loaded host): a healthy Medic is never killed.
  expect(Number(watchdog?.[1])).toBeGreaterThanOrEqual(30);
});
