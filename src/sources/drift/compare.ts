import { createHash } from 'node:crypto';
import { constants as fsConstants } from 'node:fs';
import fs from 'node:fs/promises';
import { redactText } from '../../core/index.js';
import { unifiedDiff } from './diff.js';

/** A file as it is now: its content's sha256, permission bits and owner; null fields when it is missing. */
export interface FileNow {
  data: Buffer | null;
  hash: string | null;
  mode: number | null;
  uid: number | null;
  gid: number | null;
}

/** The intended version: what a known good backup record holds. */
export interface Intended {
  hash: string | null;
  mode: number | null;
  uid?: number | null;
  gid?: number | null;
}

/** Larger diffs are cut: a finding is stored and sent, and a whole rewritten file helps nobody. */
const MAX_DIFF_CHARS = 16_000;

export async function readNow(file: string): Promise<FileNow> {
  let h: fs.FileHandle;
  try {
    h = await fs.open(file, fsConstants.O_RDONLY);
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code === 'ENOENT')
      return { data: null, hash: null, mode: null, uid: null, gid: null };
    throw err;
  }
  try {
    const st = await h.stat();
    const data = await h.readFile();
    return {
      data,
      hash: createHash('sha256').update(data).digest('hex'),
      mode: st.mode & 0o7777,
      uid: st.uid,
      gid: st.gid,
    };
  } finally {
    await h.close();
  }
}

/** What differs between the intended version and the file now, in words; empty when nothing does. */
export function differences(want: Intended, now: FileNow): string[] {
  const out: string[] = [];
  if (now.hash === null && want.hash !== null) return ['the file was removed'];
  if (want.hash === null && now.hash !== null) return ['the file was created'];
  if (want.hash !== now.hash) out.push('its content changed');
  if (want.mode !== null && now.mode !== null && want.mode !== now.mode)
    out.push(`its mode changed from ${octal(want.mode)} to ${octal(now.mode)}`);
  if (typeof want.uid === 'number' && now.uid !== null && want.uid !== now.uid)
    out.push(`its owner changed from uid ${want.uid} to ${now.uid}`);
  if (typeof want.gid === 'number' && now.gid !== null && want.gid !== now.gid)
    out.push(`its group changed from gid ${want.gid} to ${now.gid}`);
  return out;
}

const octal = (mode: number) => mode.toString(8).padStart(4, '0');

/**
 * The unified diff from the intended content to the file now, each line's secrets masked (a password
 * changed in a config file must not reach the store, a notifier or a prompt), cut at MAX_DIFF_CHARS.
 */
export function redactedDiff(
  intended: Buffer | null,
  now: Buffer | null,
  names: { from: string; to: string },
): { diff: string; added: number; removed: number } {
  const text = (b: Buffer | null) => (b === null ? '' : b.toString('utf8'));
  // Diffed first, masked after: a secret that changed still shows as a changed line, without its value.
  const r = unifiedDiff(text(intended), text(now), names);
  const masked = r.text
    .split('\n')
    // The line's own text is masked, not its +/- mark (`-password: x` would read as mysql's -p<secret>).
    .map((l, i) => (i < 2 || l.startsWith('@@') ? redactText(l) : l.slice(0, 1) + redactText(l.slice(1))))
    .join('\n');
  const diff =
    masked.length > MAX_DIFF_CHARS
      ? `${masked.slice(0, MAX_DIFF_CHARS)}\n… (diff cut at ${MAX_DIFF_CHARS} characters)\n`
      : masked;
  return { diff, added: r.added, removed: r.removed };
}
