import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Medic } from '../src/daemon/index.js';
import { TestCa } from '../src/sources/probes/test-ca.fixture.js';
import { tempDir, waitFor } from './helpers.js';
import { startMedic } from './incidents-helpers.js';

/**
 * A `tls` check's certificate reaches the diagnosis through the running daemon: a certificate made in the
 * test, served on a real socket, is read as evidence and named `cert_expiring`, with its days left.
 */
const DAY = 86_400_000;

interface DiagnosisData {
  service: string;
  cause: string;
  evidence: string[];
}

let ca: TestCa;
beforeAll(() => {
  ca = new TestCa();
});
afterAll(() => ca?.close());

const config = (port: number, caFile: string) => `services:
  shop:
    checks:
      - name: certificate
        tls: { host: 127.0.0.1, port: ${port}, server_name: shop.test, ca: ${JSON.stringify(caFile)} }
        interval: 1s
        timeout: 900ms
        down_after: 2
playbooks: {}
notifiers: []
server: { host: 127.0.0.1, port: 0 }
store: { dir: ./data }
`;

/**
 * The first diagnosis of `service` naming `cause` in any incident's timeline (an earlier one may name another:
 * a first probe that timed out on a loaded machine); on a timeout the error lists what was diagnosed.
 */
async function diagnosed(m: Medic, service: string, cause: string): Promise<DiagnosisData> {
  const seen: DiagnosisData[] = [];
  try {
    return await waitFor(
      `a diagnosis of ${service} as ${cause}`,
      async () => {
        seen.length = 0;
        for (const i of (await m.store.listIncidents({})).items) {
          for (const e of await m.store.timeline(i.id)) {
            const d = e.data as unknown as DiagnosisData | undefined;
            if (e.kind === 'diagnosis' && d?.service === service) seen.push(d);
          }
        }
        return seen.find((d) => d.cause === cause) ?? null;
      },
      20_000,
      100,
    );
  } catch (err) {
    throw new Error(`${(err as Error).message}; diagnosed: ${JSON.stringify(seen)}`);
  }
}

describe.concurrent('a tls check whose certificate runs out, diagnosed through the running daemon', () => {
  const cases = [
    {
      name: 'five days left of a 90-day certificate (under critical_fraction): the days left are the evidence',
      from: -85 * DAY,
      to: 5 * DAY,
      evidence: /^certificate shop\.test expires in 5 days$/,
    },
    {
      name: 'expired two days ago: how long ago is the evidence',
      from: -88 * DAY,
      to: -2 * DAY,
      evidence: /^certificate shop\.test expired 2 days ago$/,
    },
  ];
  for (const c of cases) {
    it(c.name, async () => {
      const now = Date.now();
      // A few minutes off whole days, so the count of days is not a rounding edge.
      const port = await ca.serve(ca.leaf('shop.test', now + c.from, now + c.to - 300_000));
      const m = await startMedic(await tempDir('medic-tls-diag-'), config(port, ca.caFile));
      try {
        const d = await diagnosed(m, 'shop', 'cert_expiring');
        expect(d.evidence[0], JSON.stringify(d.evidence)).toMatch(c.evidence);
      } finally {
        await m.stop();
      }
    });
  }
});
