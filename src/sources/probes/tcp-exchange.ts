import type { CheckConfig } from '../../config/index.js';
import { compileRegex } from './common.js';

/**
 * What a tcp check writes after connecting and what answer it waits for (`send`/`expect` as text,
 * `send_hex`/`expect_hex` as bytes). A hung server still completes the handshake, since the kernel accepts
 * into the backlog: only an answer shows the process is alive.
 */
export interface Exchange {
  send: Buffer | null;
  /** null: nothing awaited, the write is enough. */
  expect: {
    /** "/^VERSION/" or "20 02 00 00": how a message names what was awaited. */
    what: string;
    /** matched, or refused for good (no more bytes can help), or wait for more. */
    judge(reply: Buffer): 'match' | 'mismatch' | 'more';
    /** The reply as a human reads it: text, or hex for a binary exchange. */
    show(reply: Buffer): string;
  } | null;
}

/** Replies are read up to this much: an answer that has not matched by then will not. */
export const MAX_REPLY_BYTES = 64 * 1024;
const SHOWN = 120;

const hex = (s: string) => Buffer.from(s.replace(/\s+/g, ''), 'hex');
const spacedHex = (b: Buffer) => (b.toString('hex').match(/../g) ?? []).join(' ');

function showText(b: Buffer): string {
  const text = JSON.stringify(b.subarray(0, SHOWN).toString('utf8'));
  return b.length > SHOWN ? `${text}…` : text;
}

function showHex(b: Buffer): string {
  return b.length > 32 ? `${spacedHex(b.subarray(0, 32))} …` : spacedHex(b) || '(nothing)';
}

/** The check's exchange, or why its pattern is unusable (a failed check, never a crashed probe). */
export function exchangeOf(tcp: NonNullable<CheckConfig['tcp']>): Exchange | { error: string } {
  const send =
    tcp.send_hex !== undefined ? hex(tcp.send_hex) : tcp.send !== undefined ? Buffer.from(tcp.send) : null;
  if (tcp.expect_hex !== undefined) {
    const want = hex(tcp.expect_hex);
    return {
      send,
      expect: {
        what: spacedHex(want),
        // A prefix: a binary answer is judged on its first bytes, whatever follows them.
        judge: (reply) => {
          const n = Math.min(reply.length, want.length);
          if (!reply.subarray(0, n).equals(want.subarray(0, n))) return 'mismatch';
          return n === want.length ? 'match' : 'more';
        },
        show: showHex,
      },
    };
  }
  const re = compileRegex(tcp.expect);
  if (re && 'error' in re) return re;
  if (!re) return { send, expect: null };
  return {
    send,
    expect: {
      what: `/${re.source}/`,
      // A text reply may still grow into a match, until the timeout or the peer closing says otherwise.
      judge: (reply) => (re.test(reply.toString('utf8')) ? 'match' : 'more'),
      show: showText,
    },
  };
}
