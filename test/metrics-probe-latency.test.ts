import { writeFile } from 'node:fs/promises';
import http from 'node:http';
import type { AddressInfo } from 'node:net';
import path from 'node:path';
import pino from 'pino';
import { afterEach, describe, expect, it } from 'vitest';
import { createMedic, type Medic } from '../src/daemon/index.js';
import { tempDir, waitFor } from './helpers.js';

let medic: Medic | null = null;
let server: http.Server | null = null;
afterEach(async () => {
  await medic?.stop();
  server?.close();
  medic = null;
});

describe('probe latencies as series', () => {
  it('stores every probe latency of a service with a metrics section, for detectors to watch', async () => {
    server = http.createServer((_req, res) => setTimeout(() => res.end('ok'), 20));
    await new Promise<void>((r) => server!.listen(0, '127.0.0.1', r));
    const port = (server.address() as AddressInfo).port;
    const dir = await tempDir();
    const file = path.join(dir, 'medic.yaml');
    await writeFile(
      file,
      `services:
  web:
    checks: [{ name: health, http: { url: "http://127.0.0.1:${port}/" }, interval: 200ms, timeout: 150ms }]
    metrics:
      detect: [{ metric: probe.health.latency_ms, detector: auto }]
  plain:
    checks: [{ name: health, http: { url: "http://127.0.0.1:${port}/" }, interval: 200ms, timeout: 150ms }]
notifiers: []
store: { dir: ./data }
`,
    );
    medic = await createMedic({ configFile: file, watch: false, logger: pino({ level: 'silent' }) });
    await medic.start();
    const samples = await waitFor(
      'latency samples stored',
      async () => {
        const s = await medic!.store.metricSamples('web', 'probe.health.latency_ms', 0);
        return s.length >= 5 ? s : null;
      },
      15_000,
      200,
    );
    // The server answers after 20 ms: the series holds the probes' measured latencies.
    for (const s of samples) expect(s.value).toBeGreaterThanOrEqual(15);
    // A service without a metrics section keeps no series (a fleet of plain checks stores nothing extra).
    expect(await medic.store.metricSamples('plain', 'probe.health.latency_ms', 0)).toHaveLength(0);
  });
});
