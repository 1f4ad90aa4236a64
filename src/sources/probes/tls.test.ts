import { type AddressInfo, createServer as createTcpServer } from 'node:net';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { checkSchema } from '../../config/index.js';
import { CERT } from '../../diagnose/signals.js';
import { TestCa } from './test-ca.fixture.js';
import { check, context } from './testing.fixture.js';
import { tlsProbe } from './tls.js';

const DAY = 86_400_000;
let ca: TestCa;
let caFile: string;
const servers: { close(): void }[] = [];

const probe = (tlsConfig: Record<string, unknown>) => tlsProbe.run(check({ tls: tlsConfig }), context(2000));

describe('tls probe against servers with certificates made in the test', () => {
  const now = Date.now();
  const ports: Record<string, number> = {};

  beforeAll(async () => {
    ca = new TestCa();
    caFile = ca.caFile;
    const serve = (cn: string, from: number, to: number) => ca.serve(ca.leaf(cn, from, to));
    ports.good = await serve('localhost', now - DAY, now + 89 * DAY);
    ports.near = await serve('localhost', now - 80 * DAY, now + 20 * DAY);
    ports.critical = await serve('localhost', now - 95 * DAY, now + 5 * DAY);
    ports.expired = await serve('localhost', now - 100 * DAY, now - 10 * DAY);
    ports.future = await serve('localhost', now + 10 * DAY, now + 100 * DAY);
    ports.wrongHost = await serve('other.example', now - DAY, now + 89 * DAY);
  });

  afterAll(() => {
    for (const s of servers) s.close();
    ca?.close();
  });

  const at = (port: number, extra: Record<string, unknown> = {}) => ({
    host: '127.0.0.1',
    port,
    server_name: 'localhost',
    ca: caFile,
    ...extra,
  });

  it('is up for a good certificate, with days left, issuer, chain and hostname in details', async () => {
    const r = await probe(at(ports.good!));
    expect(r.ok).toBe(true);
    expect(r.message).toMatch(
      /^127\.0\.0\.1:\d+: certificate for localhost expires in 89(\.0)? days \(\d{4}-\d\d-\d\d\), 99% of its 90-day lifetime left; issuer Medic Test CA$/,
    );
    expect(r.details).toMatchObject({
      subject: 'localhost',
      issuer: 'Medic Test CA',
      altNames: ['DNS:localhost'],
      lifetimeDays: 90,
      hostnameMatch: true,
      chainValid: true,
      chainError: null,
    });
    expect(r.details?.daysLeft).toBeCloseTo(89, 0);
  });

  it('is up through an https URL too', async () => {
    const r = await probe({ url: `https://localhost:${ports.good}/health`, ca: caFile });
    expect(r.ok).toBe(true);
    expect(r.details).toMatchObject({ host: 'localhost', serverName: 'localhost', chainValid: true });
  });

  it('is degraded near expiry (under warn_fraction), down under critical_fraction', async () => {
    const near = await probe(at(ports.near!));
    expect(near).toMatchObject({ ok: false, degraded: true });
    expect(near.message).toMatch(
      /expires in 20(\.0)? days .*, 20% of its 100-day lifetime left, under warn_fraction 30%/,
    );
    const critical = await probe(at(ports.critical!));
    expect(critical.ok).toBe(false);
    expect(critical.degraded).toBeUndefined();
    expect(critical.message).toMatch(
      /expires in 5(\.0)? days .*, 5% of its 100-day lifetime left, under critical_fraction 10%/,
    );
    // The thresholds are the user's: a 5% warning makes 20% left fine.
    expect((await probe(at(ports.near!, { warn_fraction: 0.05, critical_fraction: 0.01 }))).ok).toBe(true);
  });

  it('is down for an expired or a not yet valid certificate', async () => {
    const expired = await probe(at(ports.expired!));
    expect(expired).toMatchObject({ ok: false });
    expect(expired.degraded).toBeUndefined();
    expect(expired.message).toMatch(
      /^127\.0\.0\.1:\d+: certificate has expired: localhost, 10(\.0)? days ago \(/,
    );
    expect(expired.message).toMatch(CERT); // so the cert_expiring rule sees it
    const future = await probe(at(ports.future!));
    expect(future.ok).toBe(false);
    expect(future.message).toMatch(/certificate is not yet valid: localhost until /);
    expect(future.message).toMatch(CERT);
  });

  it('is down when the certificate does not name the host', async () => {
    const r = await probe(at(ports.wrongHost!));
    expect(r).toMatchObject({ ok: false, details: { hostnameMatch: false, chainValid: true } });
    expect(r.degraded).toBeUndefined();
    expect(r.message).toMatch(/certificate does not name localhost: .*other\.example/);
  });

  it('is down when the chain is not trusted (no ca given for a private CA)', async () => {
    const r = await probe(at(ports.good!, { ca: undefined }));
    expect(r).toMatchObject({ ok: false, details: { chainValid: false, hostnameMatch: true } });
    expect(r.message).toMatch(
      /certificate chain not trusted \(UNABLE_TO_VERIFY_LEAF_SIGNATURE\); issuer Medic Test CA/,
    );
  });

  it('is down when nothing listens, or the peer does not speak TLS', async () => {
    const plain = createTcpServer((s) => s.end('hello\r\n')).listen(0, '127.0.0.1');
    servers.push(plain);
    await new Promise((r) => plain.once('listening', r));
    const port = (plain.address() as AddressInfo).port;
    const notTls = await probe(at(port));
    expect(notTls.ok).toBe(false);
    expect(notTls.message).toMatch(/^127\.0\.0\.1:\d+: TLS handshake failed: /);
    plain.close();
    await new Promise((r) => setTimeout(r, 50));
    const refused = await probe(at(port));
    expect(refused.message).toBe(`127.0.0.1:${port}: cannot connect: connection refused`);
  });

  it('config: host or https url, critical below warn', () => {
    expect(checkSchema.safeParse({ tls: { host: 'a', port: 443 } }).success).toBe(true);
    expect(checkSchema.safeParse({ tls: { url: 'https://a.example' } }).success).toBe(true);
    expect(checkSchema.safeParse({ tls: { url: 'http://a.example' } }).success).toBe(false);
    expect(checkSchema.safeParse({ tls: { host: 'a', url: 'https://a.example' } }).success).toBe(false);
    expect(
      checkSchema.safeParse({ tls: { host: 'a', warn_fraction: 0.1, critical_fraction: 0.2 } }).success,
    ).toBe(false);
  });
});
