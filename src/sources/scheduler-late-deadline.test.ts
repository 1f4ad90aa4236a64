import { spawn } from 'node:child_process';
import { once } from 'node:events';
import net from 'node:net';
import { describe, expect, it } from 'vitest';
import type { CheckConfig } from '../config/index.js';
import { type ProbeResult, RealClock } from '../core/index.js';
import { type ScheduledCheck, Scheduler } from './scheduler.js';

/**
 * A deadline that fires late because Medic's event loop was busy: the answer that came meanwhile counts, and
 * a probe that never answers still times out. Real sockets, a real clock and a held event loop: solo.
 */

const cfg = (interval: number, timeout: number): CheckConfig =>
  ({ interval, timeout, down_after: 2, up_after: 1, tcp: { host: '127.0.0.1', port: 1 } }) as CheckConfig;

const sc = (service: string, name: string, config: CheckConfig): ScheduledCheck => ({
  service,
  name,
  config,
});

describe('Scheduler deadlines under a busy event loop', () => {
  it("does not time out a run whose answer waited while Medic's own event loop was busy", async () => {
    // A server in its own process that answers 100 ms after a connection opens: the answer arrives while
    // this process is held, and waits in the socket.
    const server = spawn(
      process.execPath,
      [
        '-e',
        `require('net').createServer((c) => setTimeout(() => c.end('hello'), 100))
          .listen(0, '127.0.0.1', function () { console.log(this.address().port); })`,
      ],
      { stdio: ['ignore', 'pipe', 'inherit'] },
    );
    const [line] = (await once(server.stdout!, 'data')) as [Buffer];
    const port = Number(line.toString().trim());
    const results: ProbeResult[] = [];
    let finished: () => void = () => {};
    const done = new Promise<void>((r) => (finished = r));
    const scheduler = new Scheduler({
      clock: new RealClock(),
      jitter: 0,
      run: async (_c, signal) => {
        const socket = net.connect(port, '127.0.0.1');
        try {
          await once(socket, 'connect');
          const answer = once(socket, 'data');
          const aborted = once(signal, 'abort').then(() => {
            throw signal.reason;
          });
          // Held from a callback after this turn's timers, so the next turn starts with the late deadline.
          await new Promise((r) => setImmediate(r));
          const blockUntil = Date.now() + 1500;
          while (Date.now() < blockUntil) {
            // Medic busy with other work well past this run's 200 ms deadline.
          }
          const [data] = (await Promise.race([answer, aborted])) as [Buffer];
          return { ok: true, latencyMs: 0, message: data.toString() };
        } finally {
          socket.destroy();
        }
      },
      onResult: (_c, r) => {
        results.push(r);
        finished();
      },
    });
    try {
      scheduler.setChecks([sc('api', 'a', cfg(60_000, 200))]);
      scheduler.start();
      await done;
    } finally {
      scheduler.stop();
      server.kill();
    }
    expect(results).toEqual([{ ok: true, latencyMs: 0, message: 'hello' }]);
  });

  it('still times out a run that gets no answer, however late the deadline fired', async () => {
    const results: ProbeResult[] = [];
    let finished: () => void = () => {};
    const done = new Promise<void>((r) => (finished = r));
    const started = Date.now();
    const scheduler = new Scheduler({
      clock: new RealClock(),
      jitter: 0,
      run: (_c, signal) =>
        new Promise<ProbeResult>((_resolve, reject) => {
          const blockUntil = Date.now() + 1500;
          while (Date.now() < blockUntil) {
            // Late past the 100 ms deadline, and the probe never answers.
          }
          signal.addEventListener('abort', () => reject(signal.reason));
        }),
      onResult: (_c, r) => {
        results.push(r);
        finished();
      },
    });
    scheduler.setChecks([sc('api', 'a', cfg(60_000, 100))]);
    scheduler.start();
    await done;
    scheduler.stop();
    expect(results[0]).toMatchObject({ ok: false, message: 'timed out after 100ms' });
    // Given its lateness again once (about 1.4 s), never more: a ceiling well above that.
    expect(Date.now() - started).toBeLessThan(15_000);
  });
});
