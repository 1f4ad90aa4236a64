import { connect } from 'node:net';
import type { CheckConfig } from '../../config/index.js';
import type { ProbeResult } from '../../core/index.js';
import { describeNetError, errorCode, startTimer, timedOut } from './common.js';
import type { Probe, ProbeContext } from './probe.js';

export const tcpProbe: Probe = {
  kind: 'tcp',
  run(check: CheckConfig, ctx: ProbeContext): Promise<ProbeResult> {
    const tcp = check.tcp;
    if (!tcp) return Promise.resolve({ ok: false, latencyMs: 0, message: 'not a tcp check' });
    const { host, port } = tcp;
    const details = { host, port };
    const elapsed = startTimer();
    if (ctx.signal.aborted) return Promise.resolve(timedOut(check, 0, details));

    return new Promise((resolve) => {
      const socket = connect({ host, port });
      const finish = (r: ProbeResult) => {
        ctx.signal.removeEventListener('abort', onAbort);
        socket.destroy();
        resolve(r);
      };
      const onAbort = () => finish(timedOut(check, elapsed(), details));
      ctx.signal.addEventListener('abort', onAbort, { once: true });
      socket.once('connect', () => {
        const latencyMs = elapsed();
        finish({ ok: true, latencyMs, message: `connected to ${host}:${port} in ${latencyMs}ms`, details });
      });
      socket.once('error', (err) => {
        const message = describeNetError(err);
        finish({ ok: false, latencyMs: elapsed(), message, details: { ...details, code: errorCode(err) } });
      });
    });
  },
};
