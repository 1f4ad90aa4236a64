import { connect } from 'node:net';
import type { CheckConfig } from '../../config/index.js';
import { formatDuration, type ProbeResult } from '../../core/index.js';
import { describeNetError, errorCode, startTimer, timedOut } from './common.js';
import type { Probe, ProbeContext } from './probe.js';
import { type Exchange, exchangeOf, MAX_REPLY_BYTES } from './tcp-exchange.js';

/**
 * Connects; with `send`/`expect` (or their `_hex` forms) also writes and waits for the answer, since a
 * stopped process's port still accepts connections. No matching answer before the timeout is down.
 */
export const tcpProbe: Probe = {
  kind: 'tcp',
  run(check: CheckConfig, ctx: ProbeContext): Promise<ProbeResult> {
    const tcp = check.tcp;
    if (!tcp) return Promise.resolve({ ok: false, latencyMs: 0, message: 'not a tcp check' });
    const { host, port } = tcp;
    const details: Record<string, unknown> = { host, port };
    const exchange = exchangeOf(tcp);
    if ('error' in exchange)
      return Promise.resolve({ ok: false, latencyMs: 0, message: exchange.error, details });
    const elapsed = startTimer();
    if (ctx.signal.aborted) return Promise.resolve(timedOut(check, 0, details));

    return new Promise((resolve) => {
      const socket = connect({ host, port });
      let reply = Buffer.alloc(0);
      let connected = false;
      const finish = (r: ProbeResult) => {
        ctx.signal.removeEventListener('abort', onAbort);
        socket.destroy();
        resolve(r);
      };
      const succeed = () => {
        const latencyMs = elapsed();
        finish({ ok: true, latencyMs, message: answered(host, port, exchange, latencyMs), details });
      };
      const fail = (message: string) => finish({ ok: false, latencyMs: elapsed(), message, details });
      // Says what was awaited and what came instead: the reply of a wrong service on the port shows.
      const unanswered = (why: (what: string) => string) =>
        fail(`${why(exchange.expect?.what ?? '')}; got ${exchange.expect?.show(reply) ?? ''}`);
      const onAbort = () =>
        connected && exchange.expect
          ? unanswered((w) => `no reply matching ${w} within ${formatDuration(check.timeout)}`)
          : finish(timedOut(check, elapsed(), details));
      ctx.signal.addEventListener('abort', onAbort, { once: true });

      socket.once('connect', () => {
        connected = true;
        details.connectMs = elapsed();
        if (exchange.send) socket.write(exchange.send, () => !exchange.expect && succeed());
        else if (!exchange.expect) succeed();
      });
      socket.on('data', (chunk: Buffer) => {
        const expect = exchange.expect;
        if (!expect) return;
        reply = Buffer.concat([reply, chunk]).subarray(0, MAX_REPLY_BYTES);
        details.replyBytes = reply.length;
        const verdict = expect.judge(reply);
        if (verdict === 'match') return succeed();
        if (verdict === 'mismatch') return unanswered((w) => `reply does not start with ${w}`);
        if (reply.length >= MAX_REPLY_BYTES)
          unanswered((w) => `no ${w} in the first ${MAX_REPLY_BYTES} bytes`);
      });
      // The peer closing before the answer matched: it will not match now.
      socket.once(
        'end',
        () => exchange.expect && unanswered((w) => `connection closed before a reply matching ${w}`),
      );
      socket.once('error', (err) => {
        details.code = errorCode(err);
        fail(describeNetError(err));
      });
    });
  },
};

function answered(host: string, port: number, exchange: Exchange, ms: number): string {
  if (exchange.expect) return `${host}:${port} answered ${exchange.expect.what} in ${ms}ms`;
  return `connected to ${host}:${port} in ${ms}ms`;
}
