import { type ChildProcess, spawn } from 'node:child_process';
import { readFile, writeFile } from 'node:fs/promises';
import path from 'node:path';
import tls from 'node:tls';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Medic } from '../src/daemon/index.js';
import { TestCa } from '../src/sources/probes/test-ca.fixture.js';
import { tempDir, waitFor } from './helpers.js';
import { startMedic, stop } from './incidents-helpers.js';

const DAY = 86_400_000;
const SERVER = path.join(import.meta.dirname, 'tls-server.fixture.mjs');
const RENEW = path.join(import.meta.dirname, 'acme-renew.fixture.mjs');

let ca: TestCa;
let server: ChildProcess | null = null;
let medic: Medic | null = null;

beforeAll(() => {
  ca = new TestCa();
});
afterAll(async () => {
  await medic?.stop();
  await stop(server);
  ca?.close();
});

/** The certificate 127.0.0.1:port presents for `name`. */
async function served(port: number, name: string, caFile: string): Promise<tls.PeerCertificate> {
  const caPem = await readFile(caFile, 'utf8');
  return new Promise((resolve, reject) => {
    const s = tls.connect({ host: '127.0.0.1', port, servername: name, ca: [caPem] }, () => {
      resolve(s.getPeerCertificate());
      s.destroy();
    });
    s.once('error', reject);
  });
}

/**
 * Issue 18's certificates: a certificate near the end of its life (made here, 20 of its 90 days left) is
 * found by the tls check; the renewal playbook runs the team's ACME client (a stand-in issuing from this
 * test's CA) and then the server's reload, and is verified by the check reading the new certificate.
 */
describe('an expiring certificate renewed by a playbook', () => {
  it('renews, reloads, and verifies by reading the new certificate', async () => {
    const dir = await tempDir('medic-cert-');
    const now = Date.now();
    const old = ca.leaf('shop.test', now - 70 * DAY, now + 20 * DAY);
    await writeFile(path.join(dir, 'tls.key'), old.key);
    await writeFile(path.join(dir, 'tls.crt'), old.cert);
    const pidFile = path.join(dir, 'server.pid');
    const child = spawn(process.execPath, [SERVER, 'serve', dir, pidFile], {
      stdio: ['ignore', 'pipe', 'inherit'],
    });
    server = child;
    const port = await new Promise<number>((resolve, reject) => {
      child.once('exit', (code) => reject(new Error(`tls server exited ${code}`)));
      child.stdout?.once('data', (d: Buffer) => resolve(Number(d.toString().trim())));
    });
    const before = await served(port, 'shop.test', ca.caFile);
    expect(Date.parse(before.valid_to) - now).toBeLessThan(21 * DAY);

    medic = await startMedic(
      dir,
      `services:
  shop:
    checks:
      - name: certificate
        tls: { host: 127.0.0.1, port: ${port}, server_name: shop.test, ca: ${JSON.stringify(ca.caFile)} }
        interval: 500ms
        timeout: 500ms
        down_after: 2
playbooks:
  renew-certificate:
    description: The certificate is in the last 30% of its life (or worse); renew it and reload the server.
    when: { service: shop, kind: [degraded, down], labels: { check: certificate } }
    steps:
      - exec: { command: [${JSON.stringify(process.execPath)}, ${JSON.stringify(RENEW)}, ${JSON.stringify(ca.dir)}, ${JSON.stringify(dir)}, shop.test] }
        timeout: 20s
      - exec: { command: [${JSON.stringify(process.execPath)}, ${JSON.stringify(SERVER)}, reload, ${JSON.stringify(pidFile)}] }
        timeout: 5s
    verify: { within: 20s, stable_for: 1s, checks: [certificate] }
policy: { autonomy: auto }
notifiers: []
server: { host: 127.0.0.1, port: 0 }
store: { dir: ./data }
`,
    );
    const m = medic;
    const renewed = await waitFor(
      'the renewal verified',
      async () => {
        const { items } = await m.store.listActions({ limit: 20 });
        const steps = items.filter((a) => a.playbook === 'renew-certificate');
        return steps.length === 2 && steps.every((a) => a.state === 'verified') ? steps : null;
      },
      60_000,
      100,
    );
    // The new certificate is what the server presents now: issued today, 90 days of life, same name.
    const after = await served(port, 'shop.test', ca.caFile);
    expect(after.fingerprint256).not.toBe(before.fingerprint256);
    expect(Date.parse(after.valid_to) - Date.now()).toBeGreaterThan(85 * DAY);
    expect(after.subject.CN).toBe('shop.test');
    // Renewal first, then the reload, each journaled before it ran.
    const ordered = [...renewed].sort((a, b) => a.createdAt - b.createdAt);
    expect(ordered.map((a) => JSON.stringify(a.params['command']))).toEqual([
      expect.stringContaining('acme-renew'),
      expect.stringContaining('reload'),
    ]);
    for (const a of ordered) {
      const states = (await m.store.journal(a.id)).map((e) => e.state);
      expect(states.slice(0, 1)).toEqual(['planned']);
      expect(states).toContain('applied');
    }
    // The incident the expiring certificate opened is resolved, and the check reads the new one.
    await waitFor('incident resolved', async () => (await m.store.activeIncident('shop')) === null, 15_000);
    const { items } = await m.store.listIncidents({});
    const inc = items.find((i) => i.service === 'shop');
    const timeline = await m.store.timeline(inc!.id);
    const found = timeline.find((e) => e.kind === 'finding');
    expect(found?.message).toMatch(/expires in 2\d(\.\d)? days .*under warn_fraction/);
    expect(m.health.get('shop')).toBe('healthy');
  }, 90_000);
});
