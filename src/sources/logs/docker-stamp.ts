import type { TailPosition } from './offsets.js';

/**
 * A point in a container's log. Docker stamps every line with its own clock (nanoseconds), and that stamp is
 * the only position the API offers: `since` asks for the lines from a time on. `count` is how many lines
 * stamped exactly `sec.nsec` were already delivered, since a coarse clock can give two lines the same stamp.
 */
export interface DockerPosition {
  sec: number;
  nsec: number;
  count: number;
}

/** A position as the store keeps file positions: dev = seconds, ino = nanoseconds, offset = count. */
export function dockerPositionToTail(p: DockerPosition): TailPosition {
  return { dev: p.sec, ino: p.nsec, offset: p.count };
}

export function dockerPositionFromTail(t: TailPosition | null | undefined): DockerPosition | null {
  if (!t) return null;
  const ok =
    Number.isSafeInteger(t.dev) &&
    Number.isInteger(t.ino) &&
    t.ino >= 0 &&
    t.ino < 1e9 &&
    Number.isInteger(t.offset) &&
    t.offset >= 0;
  return ok ? { sec: t.dev, nsec: t.ino, count: t.offset } : null;
}

export function compare(a: { sec: number; nsec: number }, b: { sec: number; nsec: number }): number {
  return a.sec - b.sec || a.nsec - b.nsec;
}

/** RFC 3339 with up to nine fraction digits, then one space (Docker's `timestamps=1` prefix). */
const STAMP = /^(\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d)(?:\.(\d{1,9}))?(Z|[+-]\d\d:\d\d)(?: |$)/;

export interface DockerStamp {
  sec: number;
  nsec: number;
  /** Bytes of the prefix, the space included. */
  length: number;
}

let lastSecondText = '';
let lastSecond = 0;

/** Docker's stamp at the start of a line, or null. */
export function parseDockerStamp(line: Buffer | string): DockerStamp | null {
  const head =
    typeof line === 'string' ? line.slice(0, 48) : line.toString('latin1', 0, Math.min(48, line.length));
  const m = STAMP.exec(head);
  if (!m) return null;
  const whole = (m[1] as string) + (m[3] as string);
  // Consecutive lines share their second: parse it once.
  if (whole !== lastSecondText) {
    const ms = Date.parse(whole);
    if (Number.isNaN(ms)) return null;
    lastSecondText = whole;
    lastSecond = Math.floor(ms / 1000);
  }
  const nsec = m[2] ? Number(m[2].padEnd(9, '0')) : 0;
  return { sec: lastSecond, nsec, length: m[0].length };
}
