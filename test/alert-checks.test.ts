/**
 * Alert checks in a running daemon (issue 15): an alert with a new name adds `alert:<name>` to its service's
 * checks; after it resolves the check stays for the grace period, then goes. Simulated clock, real store.
 */

import { writeFile } from 'node:fs/promises';
import path from 'node:path';
import pino from 'pino';
import { afterEach, describe, expect, it } from 'vitest';
import { SimulatedClock } from '../src/core/index.js';
import { createMedic, type Medic } from '../src/daemon/index.js';
import { ALERT_CHECK_GRACE_MS } from '../src/sources/alerts/index.js';
import { tempDir } from './helpers.js';

let medic: Medic | null = null;
afterEach(async () => {
  await medic?.stop();
  medic = null;
});

const alert = (name: string, status: 'firing' | 'resolved') => ({
  receiver: 'medic',
  status,
  alerts: [
    {
      status,
      labels: { alertname: name, service: 'web', severity: 'warning' },
      annotations: { summary: `${name} on web` },
      startsAt: '2026-01-01T12:00:00Z',
      endsAt: status === 'firing' ? '0001-01-01T00:00:00Z' : '2026-01-01T12:05:00Z',
      generatorURL: 'http://prometheus:9090/graph',
      fingerprint: `fp${name}`,
    },
  ],
  groupLabels: {},
  commonLabels: {},
  commonAnnotations: {},
  externalURL: 'http://alertmanager:9093',
  version: '4',
  groupKey: `{}:{alertname="${name}"}`,
  truncatedAlerts: 0,
});

describe('alert checks in the daemon', () => {
  it('removes the check of a resolved alert after the grace period, not before', async () => {
    const dir = await tempDir();
    const file = path.join(dir, 'medic.yaml');
    await writeFile(
      file,
      `services:
  web:
    checks:
      - name: health
        command: { command: [${JSON.stringify(process.execPath)}, -e, "0"] }
        interval: 1h
notifiers: []
store: { dir: ./data }
`,
    );
    const clock = new SimulatedClock(Date.UTC(2026, 0, 1, 12, 0));
    medic = await createMedic({ configFile: file, clock, watch: false, logger: pino({ level: 'silent' }) });
    await medic.start();
    const names = () => medic!.health.checks('web').map((c) => c.name);

    expect(await medic.alerts().ingest(alert('DiskFull', 'firing'))).toMatchObject({ ok: true });
    expect(names()).toEqual(['health', 'alert:DiskFull']);
    expect(medic.health.checks('web').find((c) => c.name === 'alert:DiskFull')?.state).toBe('down');
    await medic.alerts().ingest(alert('DiskFull', 'resolved'));
    expect(medic.health.checks('web').find((c) => c.name === 'alert:DiskFull')?.state).toBe('up');
    await clock.advance(ALERT_CHECK_GRACE_MS - 1000);
    expect(names()).toEqual(['health', 'alert:DiskFull']);
    await clock.advance(1000);
    expect(names()).toEqual(['health']);
    // The name firing again is a new check, as the first time.
    await medic.alerts().ingest(alert('DiskFull', 'firing'));
    expect(names()).toEqual(['health', 'alert:DiskFull']);
  });
});
