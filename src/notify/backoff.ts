/**
 * When the outbox tries a notification again. The schedule is a pure function of the attempts made, so it is
 * stored as the row's next attempt and survives a restart (an in-memory retry policy would forget it), and a
 * replica that takes a row over continues the same schedule. Kubelet-style: capped exponential, never silent.
 */
export interface BackoffOptions {
  /** Delay after the first failed attempt (ms). */
  initialMs: number;
  /** The delay never grows past this (ms). */
  maxMs: number;
  /** Attempts after which a row is dead-lettered (counted in /metrics, listed by the API). */
  maxAttempts: number;
}

/**
 * 1 s doubling to 5 min: a receiver restarting is retried within seconds, one down for long is asked every
 * 5 min; 20 attempts span about an hour and a quarter before a notification is given up (and counted).
 */
export const DEFAULT_BACKOFF: BackoffOptions = { initialMs: 1_000, maxMs: 300_000, maxAttempts: 20 };

/** The delay after `failures` consecutive failed attempts (1 → initialMs). */
export function backoffMs(failures: number, o: BackoffOptions = DEFAULT_BACKOFF): number {
  if (failures <= 0) return 0;
  // 2 ** 40 already dwarfs any cap: bound the exponent so a huge count cannot overflow to Infinity.
  return Math.min(o.maxMs, o.initialMs * 2 ** Math.min(failures - 1, 40));
}

/**
 * A refusal that retrying cannot fix: the receiver answered 4xx (bad request, bad credentials, gone), except
 * 408 (timeout) and 429 (rate limited). Network errors, timeouts and 5xx are worth another try.
 */
export function isPermanent(err: unknown): boolean {
  const status = (err as { status?: unknown } | null)?.status;
  return typeof status === 'number' && status >= 400 && status < 500 && status !== 408 && status !== 429;
}
