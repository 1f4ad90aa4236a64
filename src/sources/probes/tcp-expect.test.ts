import { type ChildProcess, spawn } from 'node:child_process';
import { type AddressInfo, connect, createServer, type Server } from 'node:net';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { ProbeResult } from '../../core/index.js';
import { RealClock } from '../../core/index.js';
import { ThresholdDetector } from '../../detect/threshold.js';
import { Scheduler } from '../scheduler.js';
import { tcpProbe } from './tcp.js';
import { check, context } from './testing.fixture.js';

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

function freePort(): Promise<number> {
  return new Promise((resolve) => {
    const srv = createServer().listen(0, '127.0.0.1', () => {
      const { port } = srv.address() as AddressInfo;
      srv.close(() => resolve(port));
    });
  });
}

async function waitForPort(port: number, ms = 5000): Promise<void> {
  const deadline = Date.now() + ms;
  for (;;) {
    const ok = await new Promise<boolean>((r) => {
      const s = connect({ host: '127.0.0.1', port }, () => r(true)).once('error', () => r(false));
      s.once('connect', () => s.destroy());
    });
    if (ok) return;
    if (Date.now() > deadline) throw new Error(`nothing listening on ${port}`);
    await sleep(50);
  }
}

describe('tcp send/expect against Debian memcached', () => {
  let memcached: ChildProcess;
  let port: number;

  beforeAll(async () => {
    port = await freePort();
    // -u: memcached refuses to run as root without a user to drop to. -U 0: no UDP.
    memcached = spawn(
      'memcached',
      ['-l', '127.0.0.1', '-p', String(port), '-U', '0', '-m', '8', '-u', 'nobody'],
      {
        stdio: 'ignore',
      },
    );
    let missing: Error | undefined;
    memcached.once('error', (e) => (missing = e));
    await waitForPort(port).catch((e) => {
      throw missing ? new Error(`memcached: ${missing.message} (scripts/system-deps.sh installs it)`) : e;
    });
  });

  afterAll(() => {
    memcached?.kill('SIGCONT');
    memcached?.kill('SIGKILL');
  });

  const memcachedCheck = () =>
    check({ tcp: { port, send: 'version\r\n', expect: '^VERSION' }, interval: '500ms', timeout: '500ms' });

  it('is ok when memcached answers "version"', async () => {
    const r = await tcpProbe.run(memcachedCheck(), context(500));
    expect(r.ok).toBe(true);
    expect(r.message).toMatch(new RegExp(`^127.0.0.1:${port} answered /\\^VERSION/ in \\d+ms$`));
  });

  it('sees a SIGSTOPped memcached down within 2 s, and up again once continued', async () => {
    const config = memcachedCheck();
    const detector = new ThresholdDetector('cache', 'tcp', {
      downAfter: config.down_after,
      upAfter: config.up_after,
    });
    let last: ProbeResult | undefined;
    const scheduler = new Scheduler({
      clock: new RealClock(),
      jitter: 0,
      run: (c, signal) => tcpProbe.run(c.config, context(500, { signal })),
      onResult: (_c, r, at) => {
        last = r;
        detector.observe(r, at);
      },
    });
    const until = async (state: string, ms: number) => {
      const t0 = Date.now();
      while (detector.current() !== state && Date.now() - t0 < ms) await sleep(20);
      return Date.now() - t0;
    };
    scheduler.setChecks([{ service: 'cache', name: 'tcp', config }]);
    scheduler.start();
    try {
      await until('up', 2000);
      expect(detector.current()).toBe('up');

      memcached.kill('SIGSTOP'); // the kernel still accepts connections: only the missing answer shows it
      const tookMs = await until('down', 2000);
      expect(detector.current()).toBe('down');
      expect(tookMs).toBeLessThan(2000);
      expect(last?.message).toBe('no reply matching /^VERSION/ within 500ms; got ""');

      memcached.kill('SIGCONT');
      await until('up', 2000);
      expect(detector.current()).toBe('up');
    } finally {
      scheduler.stop();
    }
  });
});

describe('tcp send_hex/expect_hex against a binary server', () => {
  // A tiny MQTT-like broker: CONNECT (0x10 …) is answered by CONNACK 20 02 00 00, anything else by 20 02 00 05.
  let server: Server;
  let port: number;

  beforeAll(async () => {
    server = createServer((s) => {
      s.on('error', () => {});
      s.once('data', (b) => s.write(Buffer.from(b[0] === 0x10 ? [0x20, 2, 0, 0] : [0x20, 2, 0, 5])));
    });
    await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
    port = (server.address() as AddressInfo).port;
  });

  afterAll(async () => {
    await new Promise((r) => server.close(r));
  });

  const CONNECT = '10 0c 00 04 4d 51 54 54 04 02 00 3c 00 00';
  const probe = (tcp: Record<string, unknown>) =>
    tcpProbe.run(check({ tcp: { port, ...tcp } }), context(1000));

  it('is ok when the reply starts with the expected bytes', async () => {
    const r = await probe({ send_hex: CONNECT, expect_hex: '20 02 00 00' });
    expect(r).toMatchObject({ ok: true, details: { replyBytes: 4 } });
    expect(r.message).toMatch(/answered 20 02 00 00 in \d+ms$/);
  });

  it('is down at once, showing the bytes, when the reply differs', async () => {
    const r = await probe({ send_hex: 'ff 00', expect_hex: '20 02 00 00' });
    expect(r).toMatchObject({ ok: false, message: 'reply does not start with 20 02 00 00; got 20 02 00 05' });
  });

  it('is down when the peer closes before answering', async () => {
    // resume(): a socket nobody reads never sees the probe's FIN, and close() would wait for it forever.
    const closer = createServer((s) => s.resume().end());
    await new Promise<void>((r) => closer.listen(0, '127.0.0.1', r));
    const closerPort = (closer.address() as AddressInfo).port;
    const r = await tcpProbe.run(
      check({ tcp: { port: closerPort, send_hex: CONNECT, expect_hex: '20 02' } }),
      context(1000),
    );
    await new Promise((r) => closer.close(r));
    expect(r).toMatchObject({
      ok: false,
      message: 'connection closed before a reply matching 20 02; got (nothing)',
    });
  });

  it('refuses send with send_hex, and bytes that are not hex, in the config', () => {
    expect(() => check({ tcp: { port, send: 'x', send_hex: '00' } })).toThrow(/send or send_hex/);
    expect(() => check({ tcp: { port, expect_hex: '2' } })).toThrow(/hex bytes/);
  });
});
