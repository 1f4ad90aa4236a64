/**
 * The audit log's hash chain: hash = sha256 hex of (prevHash + canonical JSON of {seq, at, actor, event,
 * subject, data}), where canonical JSON sorts object keys recursively. Pure functions, shared by every store.
 */
import { createHash } from 'node:crypto';

export const GENESIS_HASH = '0'.repeat(64);

export interface ChainFields {
  seq: number;
  at: number;
  actor: string;
  event: string;
  subject: string;
  /** An object when written; typed unknown so verification hashes exactly what it read back. */
  data: unknown;
}

/**
 * Round-trips a value through JSON, so what is hashed is exactly what is stored and read back (undefined
 * fields dropped, Dates as strings, NaN as null).
 */
export function normalizeJson(data: Record<string, unknown> | undefined): Record<string, unknown> {
  if (data === undefined) return {};
  return JSON.parse(JSON.stringify(data)) as Record<string, unknown>;
}

/** JSON with object keys sorted at every depth. Expects JSON-normalized input. */
export function canonicalJson(value: unknown): string {
  if (value === null || typeof value !== 'object') return JSON.stringify(value) ?? 'null';
  if (Array.isArray(value)) return `[${value.map(canonicalJson).join(',')}]`;
  const obj = value as Record<string, unknown>;
  const keys = Object.keys(obj)
    .filter((k) => obj[k] !== undefined)
    .sort();
  return `{${keys.map((k) => `${JSON.stringify(k)}:${canonicalJson(obj[k])}`).join(',')}}`;
}

export function chainHash(prevHash: string, e: ChainFields): string {
  const body = canonicalJson({
    seq: e.seq,
    at: e.at,
    actor: e.actor,
    event: e.event,
    subject: e.subject,
    data: e.data,
  });
  return createHash('sha256')
    .update(prevHash + body)
    .digest('hex');
}

/**
 * Walks the chain one entry at a time in seq order. Returns the first seq that is broken: its prevHash is not
 * the previous entry's hash, its hash does not match its content, or its seq is not previous + 1. Entries
 * after a break are still counted, so `entries` is the length of the log.
 */
export class ChainVerifier {
  entries = 0;
  brokenAt: number | null = null;

  /** From the genesis entry, or after an entry already verified (a checkpoint: its seq and hash). */
  constructor(
    private prevSeq = 0,
    private prevHash = GENESIS_HASH,
  ) {}

  /** The last entry that verified: where the next one must link. */
  get last(): { seq: number; hash: string } {
    return { seq: this.prevSeq, hash: this.prevHash };
  }

  push(e: ChainFields & { prevHash: string; hash: string }): boolean {
    this.entries++;
    if (this.brokenAt !== null) return false;
    const ok =
      e.seq === this.prevSeq + 1 && e.prevHash === this.prevHash && chainHash(e.prevHash, e) === e.hash;
    if (!ok) {
      this.brokenAt = e.seq;
      return false;
    }
    this.prevHash = e.hash;
    this.prevSeq = e.seq;
    return true;
  }

  /** Records an entry that could not even be read (say, its data is no longer JSON). */
  fail(seq: number): void {
    this.entries++;
    if (this.brokenAt === null) this.brokenAt = seq;
  }
}
