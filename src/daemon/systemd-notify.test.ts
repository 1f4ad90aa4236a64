import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { SimulatedClock } from '../core/index.js';
import { notifySocket } from './notify-socket.fixture.js';
import { SystemdNotifier, systemdNotifySend, watchdogMs } from './systemd-notify.js';

describe('watchdogMs', () => {
  it('reads WATCHDOG_USEC, for this process only when WATCHDOG_PID names another', () => {
    expect(watchdogMs({ WATCHDOG_USEC: '30000000' }, 7)).toBe(30_000);
    expect(watchdogMs({ WATCHDOG_USEC: '30000000', WATCHDOG_PID: '7' }, 7)).toBe(30_000);
    expect(watchdogMs({ WATCHDOG_USEC: '30000000', WATCHDOG_PID: '8' }, 7)).toBeNull();
    expect(watchdogMs({}, 7)).toBeNull();
    expect(watchdogMs({ WATCHDOG_USEC: 'soon' }, 7)).toBeNull();
    expect(watchdogMs({ WATCHDOG_USEC: '0' }, 7)).toBeNull();
  });
});

describe('SystemdNotifier over a simulated clock', () => {
  const logs: string[] = [];
  const logger = { info: (m: string) => logs.push(m), warn: (m: string) => logs.push(`warn ${m}`) };

  function notifier(env: NodeJS.ProcessEnv, stalled: () => string | null = () => null) {
    const clock = new SimulatedClock();
    const sent: string[][] = [];
    const n = new SystemdNotifier({
      clock,
      logger,
      stalled,
      env,
      pid: 42,
      send: async (f) => {
        sent.push([...f]);
      },
    });
    return { clock, sent, n };
  }

  it('says ready with a status, then pings every half WatchdogSec; STOPPING=1 ends the pings', async () => {
    const { clock, sent, n } = notifier({ NOTIFY_SOCKET: '/run/x', WATCHDOG_USEC: '10000000' });
    await n.ready('watching 2 service(s)');
    expect(sent).toEqual([['READY=1', 'STATUS=watching 2 service(s)']]);
    await clock.advance(4_999);
    expect(sent).toHaveLength(1);
    await clock.advance(1);
    await clock.advance(10_000);
    expect(sent.slice(1)).toEqual([['WATCHDOG=1'], ['WATCHDOG=1'], ['WATCHDOG=1']]);
    await n.stopping();
    await clock.advance(60_000);
    expect(sent.slice(4)).toEqual([['STOPPING=1']]);
  });

  it('no ping while the daemon makes no progress: the reason once as STATUS, then pings again', async () => {
    let why: string | null = null;
    const { clock, sent, n } = notifier({ NOTIFY_SOCKET: '/run/x', WATCHDOG_USEC: '2000000' }, () => why);
    await n.ready('up');
    await clock.advance(1_000);
    why = 'the store has not taken a write recently';
    await clock.advance(5_000);
    why = null;
    await clock.advance(1_000);
    expect(sent.slice(1)).toEqual([
      ['WATCHDOG=1'],
      ['STATUS=stalled: the store has not taken a write recently'],
      ['WATCHDOG=1'],
    ]);
    expect(n.stats).toEqual({ pings: 2, skipped: 5 });
    await n.stopping();
  });

  it('without WatchdogSec, or for another process, only READY and STOPPING; without NOTIFY_SOCKET, nothing', async () => {
    for (const env of [
      { NOTIFY_SOCKET: '/run/x' },
      { NOTIFY_SOCKET: '/run/x', WATCHDOG_USEC: '1000000', WATCHDOG_PID: '1' },
    ]) {
      const { clock, sent, n } = notifier(env);
      await n.ready('up');
      await clock.advance(10_000);
      await n.stopping();
      expect(sent).toEqual([['READY=1', 'STATUS=up'], ['STOPPING=1']]);
    }
    const off = new SystemdNotifier({ clock: new SimulatedClock(), logger, stalled: () => null, env: {} });
    expect(off.enabled).toBe(false);
    await off.ready('up');
    await off.stopping();
  });

  it('a notification that fails is logged once per reason and never thrown', async () => {
    const clock = new SimulatedClock();
    logs.length = 0;
    const n = new SystemdNotifier({
      clock,
      logger,
      stalled: () => null,
      env: { NOTIFY_SOCKET: '/run/x', WATCHDOG_USEC: '1000000' },
      send: async () => {
        throw new Error('systemd-notify: No such file or directory');
      },
    });
    await n.ready('up');
    await clock.advance(5_000);
    await n.stopping();
    expect(logs.filter((l) => l.startsWith('warn'))).toEqual([
      'warn systemd notification failed: systemd-notify: No such file or directory',
    ]);
  });
});

describe('systemdNotifySend through systemd-notify to a unix datagram socket the test binds', () => {
  let sock: Awaited<ReturnType<typeof notifySocket>> | undefined;
  afterEach(() => sock?.close());

  it('delivers the fields as one datagram, and returns once the socket took it', async () => {
    sock = await notifySocket();
    const send = systemdNotifySend(sock.path);
    await send(['READY=1', 'STATUS=watching 3 service(s); API on 127.0.0.1:7070']);
    await send(['WATCHDOG=1']);
    // systemd-notify returned once the reader closed its barrier; the reader's printout may trail a little.
    await new Promise((r) => setTimeout(r, 200));
    expect(sock.received).toEqual([
      ['READY=1', 'STATUS=watching 3 service(s); API on 127.0.0.1:7070'],
      ['WATCHDOG=1'],
    ]);
  });

  it('fails, saying why, when nothing listens at the socket', async () => {
    const send = systemdNotifySend(join(tmpdir(), 'medic-no-such-notify.sock'));
    await expect(send(['READY=1'])).rejects.toThrow(/^systemd-notify: .*No such file or directory/);
  });
});
