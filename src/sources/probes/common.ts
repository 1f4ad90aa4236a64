import type { CheckConfig } from '../../config/index.js';
import { errorMessage, formatDuration, type ProbeResult } from '../../core/index.js';

/**
 * Helpers the probes share. Latency is measured with `performance.now()` rather than the injected Clock:
 * it times real I/O, which a simulated clock cannot see.
 */
export function startTimer(): () => number {
  const t0 = performance.now();
  return () => Math.round(performance.now() - t0);
}

/** The result every probe returns when its signal fires: the check's timeout (or Medic stopping) cut it short. */
export function timedOut(
  check: CheckConfig,
  latencyMs: number,
  details?: Record<string, unknown>,
): ProbeResult {
  return { ok: false, latencyMs, message: `timed out after ${formatDuration(check.timeout)}`, details };
}

/** Compiles a regex from config without throwing: a bad pattern is a failed check, not a crashed probe. */
export function compileRegex(source: string | undefined): RegExp | null | { error: string } {
  if (source === undefined) return null;
  try {
    return new RegExp(source, 'm');
  } catch (err) {
    return { error: `invalid regular expression /${source}/: ${errorMessage(err)}` };
  }
}

const NET_ERRORS: Record<string, string> = {
  ECONNREFUSED: 'connection refused',
  ECONNRESET: 'connection reset',
  ENOTFOUND: 'host not found',
  EAI_AGAIN: 'DNS lookup failed (temporary)',
  EHOSTUNREACH: 'host unreachable',
  ENETUNREACH: 'network unreachable',
  ETIMEDOUT: 'connection timed out',
  EPIPE: 'connection closed',
  UND_ERR_SOCKET: 'connection closed by peer',
  UND_ERR_HEADERS_TIMEOUT: 'no response headers in time',
};

/** The OS-level code behind an error: fetch wraps it in `cause`, happy-eyeballs in an AggregateError. */
export function errorCode(err: unknown): string | undefined {
  let e: unknown = err;
  for (let depth = 0; depth < 4 && e && typeof e === 'object'; depth++) {
    const code = (e as { code?: unknown }).code;
    if (typeof code === 'string') return code;
    const inner = (e as { errors?: unknown[] }).errors?.[0];
    e = (e as { cause?: unknown }).cause ?? inner;
  }
  return undefined;
}

/** "connection refused" rather than "fetch failed": the message a human reads first. */
export function describeNetError(err: unknown): string {
  const code = errorCode(err);
  if (code && NET_ERRORS[code]) return NET_ERRORS[code];
  if (code) {
    const cause = (err as { cause?: unknown }).cause;
    return `${code}: ${errorMessage(cause ?? err)}`;
  }
  const cause = (err as { cause?: unknown })?.cause;
  return cause ? `${errorMessage(err)}: ${errorMessage(cause)}` : errorMessage(err);
}
