import { randomBytes } from 'node:crypto';
import { linkSync, readFileSync, realpathSync, renameSync, rmSync, statSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { ensurePrivateDir, MedicError, PRIVATE_FILE_MODE } from '../core/index.js';
import { currentBootId, processStartTime } from '../sources/pidfiles.js';

/**
 * One Medic per data directory: a second one would fight the first over supervised services, their ports
 * and pidfiles. A lock left by a Medic that was killed is taken over.
 *
 * The lock names its holder by pid, start time and boot id: after a kill -9 or a reboot the pid alone may
 * belong to some other program, which must not keep Medic from starting. The file is created with its
 * content in one step (a complete temporary file hard-linked to the lock's name, which fails if the name is
 * taken), so no reader ever finds it empty and mistakes a live lock for a stale one.
 */
export interface LockHolder {
  pid: number;
  /** Field 22 of /proc/<pid>/stat; null in a lock written by an older Medic. */
  startTime: number | null;
  bootId: string | null;
  startedAt?: string;
}

/** A lock file that cannot be parsed this soon after it was written may be an older Medic mid-write. */
const UNREADABLE_GRACE_MS = 5_000;

export function lockDataDir(dataDir: string): () => void {
  ensurePrivateDir(dataDir);
  const file = path.join(dataDir, 'medic.lock');
  const content = JSON.stringify({
    pid: process.pid,
    startTime: processStartTime(process.pid),
    bootId: currentBootId(),
    startedAt: new Date().toISOString(),
  } satisfies LockHolder);
  for (let attempt = 0; attempt < 3; attempt++) {
    if (createWithContent(file, content)) {
      return () => {
        // Only our own lock: if it was taken over meanwhile, the file is someone else's.
        if (readText(file) === content) rmSync(file, { force: true });
      };
    }
    const text = readText(file);
    if (text === null) continue; // Gone between the two calls: try again.
    const holder = parseHolder(text);
    if (holder === null) {
      if (Date.now() - mtimeMs(file) < UNREADABLE_GRACE_MS)
        throw new MedicError('locked', `${file} is being written by another Medic: try again in a moment`);
    } else if (holderAlive(holder)) {
      throw new MedicError(
        'locked',
        `another Medic (pid ${holder.pid}) is using ${dataDir}: stop it first, or give this one its own store.dir / --data-dir`,
      );
    }
    breakStale(file, text);
  }
  throw new MedicError('locked', `cannot lock ${dataDir}`);
}

/** Creates `file` holding `content`, atomically; false if it already exists. */
function createWithContent(file: string, content: string): boolean {
  const tmp = `${file}.${process.pid}-${randomBytes(4).toString('hex')}.tmp`;
  writeFileSync(tmp, content, { flag: 'wx', mode: PRIVATE_FILE_MODE });
  try {
    linkSync(tmp, file);
    return true;
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code === 'EEXIST') return false;
    throw err;
  } finally {
    rmSync(tmp, { force: true });
  }
}

/**
 * Removes a stale lock whose content was `stale`. It is moved aside first and checked: if another Medic
 * replaced it meanwhile (it broke the same stale lock and took the name), that lock is put back.
 */
function breakStale(file: string, stale: string): void {
  const aside = `${file}.${process.pid}-${randomBytes(4).toString('hex')}.stale`;
  try {
    renameSync(file, aside);
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code === 'ENOENT') return;
    throw err;
  }
  try {
    if (readText(aside) !== stale) {
      try {
        linkSync(aside, file);
      } catch (err) {
        if ((err as NodeJS.ErrnoException).code !== 'EEXIST') throw err;
      }
    }
  } finally {
    rmSync(aside, { force: true });
  }
}

function readText(file: string): string | null {
  try {
    return readFileSync(file, 'utf8');
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code === 'ENOENT') return null;
    throw err;
  }
}

function mtimeMs(file: string): number {
  return statSync(file, { throwIfNoEntry: false })?.mtimeMs ?? 0;
}

export function parseHolder(text: string): LockHolder | null {
  try {
    const data = JSON.parse(text) as Record<string, unknown>;
    const pid = Number(data.pid);
    if (!Number.isInteger(pid) || pid <= 0) return null;
    return {
      pid,
      startTime: Number.isSafeInteger(data.startTime) ? (data.startTime as number) : null,
      bootId: typeof data.bootId === 'string' && data.bootId !== '' ? data.bootId : null,
    };
  } catch {
    return null;
  }
}

/**
 * The holder is a live Medic only if that very process still runs: same boot, same pid, same start time, and
 * a node program (Medic runs on node). A lock this process wrote earlier counts as stale: it is taken over.
 * A lock from an older Medic (no start time) is judged by pid and program alone.
 */
export function holderAlive(holder: LockHolder): boolean {
  if (holder.pid === process.pid) return false;
  if (holder.bootId !== null && holder.bootId !== currentBootId()) return false;
  const startTime = processStartTime(holder.pid);
  if (startTime === null) return false;
  if (holder.startTime !== null && startTime !== holder.startTime) return false;
  return looksLikeNode(holder.pid);
}

function looksLikeNode(pid: number): boolean {
  let argv0: string;
  try {
    argv0 = readFileSync(`/proc/${pid}/cmdline`, 'utf8').split('\0')[0] ?? '';
  } catch (err) {
    // Another user's process may hide its cmdline; a pid, start time and boot that match are enough then.
    return (err as NodeJS.ErrnoException).code === 'EACCES';
  }
  if (/(^|\/)(node|nodejs|medic)([-.\d]*)?$/i.test(argv0)) return true;
  // The same binary as ours (a renamed or bundled node).
  try {
    return realpathSync(`/proc/${pid}/exe`) === realpathSync(process.execPath);
  } catch {
    return false;
  }
}
