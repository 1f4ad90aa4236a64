import { type CheckConfig, checkSchema } from '../../config/index.js';
import type { ProbeContext } from './probe.js';

/** Test helpers: a check parsed by the real schema (defaults applied) and a context with a real timeout. */
export function check(input: Record<string, unknown>): CheckConfig {
  return checkSchema.parse(input);
}

export function context(timeoutMs = 5_000, extra: Partial<ProbeContext> = {}): ProbeContext {
  return {
    signal: AbortSignal.timeout(timeoutMs),
    service: 'svc',
    baseDir: process.cwd(),
    supervisedPid: () => null,
    ...extra,
  };
}
