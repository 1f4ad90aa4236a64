/**
 * Sender verification shared by the CI receivers. Every comparison of a secret is constant-time over equal
 * lengths (a digest of each side), so neither the content nor the length of the secret leaks through timing.
 */
import { createHash, createHmac, timingSafeEqual } from 'node:crypto';

/** Compares two strings in constant time (their SHA-256 digests, so lengths need not match). */
export function secretsEqual(given: string, expected: string): boolean {
  const a = createHash('sha256').update(given, 'utf8').digest();
  const b = createHash('sha256').update(expected, 'utf8').digest();
  return timingSafeEqual(a, b) && given.length === expected.length;
}

/** GitHub's X-Hub-Signature-256: `sha256=` and the hex HMAC-SHA256 of the raw body under the secret. */
export function githubSignature(secret: string, raw: Buffer): string {
  return `sha256=${createHmac('sha256', secret).update(raw).digest('hex')}`;
}

/** Whether a GitHub signature header matches the raw body. */
export function githubSignatureValid(header: string | undefined, secret: string, raw: Buffer): boolean {
  if (!header || !/^sha256=[0-9a-f]{64}$/i.test(header)) return false;
  const want = Buffer.from(githubSignature(secret, raw), 'utf8');
  const got = Buffer.from(header.toLowerCase(), 'utf8');
  return got.length === want.length && timingSafeEqual(got, want);
}

/** A delivery id for providers that send none: the body's digest (the same payload twice is a replay). */
export function bodyDigest(raw: Buffer): string {
  return createHash('sha256').update(raw).digest('hex').slice(0, 32);
}
