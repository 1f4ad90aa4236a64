import type { CheckConfig } from '../../config/index.js';
import { boundedFetch, formatDuration, type ProbeResult } from '../../core/index.js';
import { compileRegex, describeNetError, errorCode, startTimer, timedOut } from './common.js';
import type { Probe, ProbeContext } from './probe.js';

/** Bodies beyond this are not read: a health endpoint that streams megabytes is its own problem. */
const MAX_BODY = 1 << 20;

export const httpProbe: Probe = {
  kind: 'http',
  async run(check: CheckConfig, ctx: ProbeContext): Promise<ProbeResult> {
    const http = check.http;
    if (!http) return { ok: false, latencyMs: 0, message: 'not an http check' };
    const elapsed = startTimer();
    if (ctx.signal.aborted) return timedOut(check, 0);
    const bodyRe = compileRegex(http.body);
    if (bodyRe && 'error' in bodyRe) return { ok: false, latencyMs: 0, message: bodyRe.error };

    let status: number;
    let statusText: string;
    let body = '';
    try {
      // Redirects keep the configured headers on their origin; the body (read, so latency includes it) stops
      // at MAX_BODY.
      const res = await boundedFetch(http.url, {
        method: http.method,
        headers: http.headers,
        signal: ctx.signal,
        maxBody: MAX_BODY,
      });
      status = res.status;
      statusText = res.statusText;
      body = res.body;
    } catch (err) {
      if (ctx.signal.aborted) return timedOut(check, elapsed(), { url: http.url });
      const message = describeNetError(err);
      return { ok: false, latencyMs: elapsed(), message, details: { url: http.url, code: errorCode(err) } };
    }

    const latencyMs = elapsed();
    const details = { url: http.url, status, latencyMs };
    const head = `${status}${statusText ? ` ${statusText}` : ''}`;
    const expected = Array.isArray(http.status) ? http.status : [http.status];
    if (!expected.includes(status)) {
      return {
        ok: false,
        latencyMs,
        message: `${head} in ${latencyMs}ms, expected ${expected.join(' or ')}`,
        details,
      };
    }
    if (bodyRe && !bodyRe.test(body)) {
      const excerpt = body.slice(0, 200);
      return {
        ok: false,
        latencyMs,
        message: `${head} in ${latencyMs}ms, body does not match /${http.body}/`,
        details: { ...details, body: excerpt },
      };
    }
    if (http.max_latency !== undefined && latencyMs > http.max_latency) {
      return {
        ok: false,
        degraded: true,
        latencyMs,
        message: `${head} in ${latencyMs}ms, slower than ${formatDuration(http.max_latency)}`,
        details,
      };
    }
    return { ok: true, latencyMs, message: `${head} in ${latencyMs}ms`, details };
  },
};
