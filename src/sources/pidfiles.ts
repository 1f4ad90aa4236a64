import { randomBytes } from 'node:crypto';
import { mkdirSync, readFileSync, renameSync, rmSync, writeFileSync } from 'node:fs';
import { basename, dirname, join } from 'node:path';
import { type Clock, PRIVATE_FILE_MODE, redactArgv } from '../core/index.js';
import { isAlive, readCmdline } from './probes/procfs.js';

/**
 * Pidfiles under <dataDir>/pids/ record what Medic started, so a Medic that was killed can find and reap its
 * orphans on the next start instead of running a second copy beside them. Synchronous on purpose: a restart
 * removes the old file and writes the new one, and those must not interleave.
 *
 * A pid alone does not name a process: after the orphan died, or after a reboot, the kernel hands the number
 * to whatever starts next, and `node server.js` is a common argv. So the record also holds the process's
 * start time (field 22 of /proc/<pid>/stat, clock ticks since boot) and the boot id: a pid, start time and
 * boot id that all match are one process, never a reused number.
 */
export interface PidfileRecord {
  pid: number;
  argv: string[];
  /** Start time of the process in clock ticks since boot; null when unknown (an old pidfile, or it died at once). */
  startTime: number | null;
  /** /proc/sys/kernel/random/boot_id when the process was started; null when unknown. */
  bootId: string | null;
}

/** What writePidfile needs; the identity fields are read from /proc when left out. */
export type PidfileInput = Pick<PidfileRecord, 'pid' | 'argv'> & Partial<Omit<PidfileRecord, 'pid' | 'argv'>>;

export function pidfilePath(dataDir: string, service: string): string {
  return join(dataDir, 'pids', `${service}.pid`);
}

/** The start time of a process (field 22 of /proc/<pid>/stat, clock ticks since boot), or null if gone. */
export function processStartTime(pid: number): number | null {
  let text: string;
  try {
    text = readFileSync(`/proc/${pid}/stat`, 'utf8');
  } catch {
    return null;
  }
  // comm sits in parentheses and may itself contain spaces or ')': the fields start after the last one.
  const fields = text.slice(text.lastIndexOf(')') + 2).split(' ');
  // fields[0] is field 3 (state), so field 22 (starttime) is fields[19].
  const start = Number(fields[19]);
  return Number.isSafeInteger(start) && start >= 0 ? start : null;
}

/** The process group of a process (field 5 of /proc/<pid>/stat), or null if gone. */
export function processGroup(pid: number): number | null {
  let text: string;
  try {
    text = readFileSync(`/proc/${pid}/stat`, 'utf8');
  } catch {
    return null;
  }
  // fields[0] is field 3 (state), so field 5 (pgrp) is fields[2].
  const pgrp = Number(text.slice(text.lastIndexOf(')') + 2).split(' ')[2]);
  return Number.isSafeInteger(pgrp) && pgrp > 0 ? pgrp : null;
}

let cachedBootId: string | null | undefined;

/** This boot's id (/proc/sys/kernel/random/boot_id); null where there is none. */
export function currentBootId(): string | null {
  if (cachedBootId === undefined) {
    try {
      cachedBootId = readFileSync('/proc/sys/kernel/random/boot_id', 'utf8').trim() || null;
    } catch {
      cachedBootId = null;
    }
  }
  return cachedBootId;
}

/**
 * Writes `content` to `path` so that a reader sees the old file or the complete new one, never an empty or
 * partial file: a temporary file beside it, renamed over it.
 */
export function writeFileAtomicSync(path: string, content: string): void {
  mkdirSync(dirname(path), { recursive: true });
  const tmp = join(dirname(path), `.${basename(path)}.tmp-${process.pid}-${randomBytes(4).toString('hex')}`);
  try {
    writeFileSync(tmp, content, { flag: 'wx', mode: PRIVATE_FILE_MODE });
    renameSync(tmp, path);
  } catch (err) {
    rmSync(tmp, { force: true });
    throw err;
  }
}

export function writePidfile(path: string, input: PidfileInput): void {
  const record: PidfileRecord = {
    pid: input.pid,
    argv: input.argv,
    startTime: input.startTime !== undefined ? input.startTime : processStartTime(input.pid),
    bootId: input.bootId !== undefined ? input.bootId : currentBootId(),
  };
  writeFileAtomicSync(path, `${JSON.stringify(record)}\n`);
}

export function readPidfile(path: string): PidfileRecord | null {
  try {
    const data = JSON.parse(readFileSync(path, 'utf8')) as Partial<Record<keyof PidfileRecord, unknown>>;
    if (!Number.isInteger(data.pid) || !Array.isArray(data.argv)) return null;
    return {
      pid: data.pid as number,
      argv: data.argv.map(String),
      startTime: Number.isSafeInteger(data.startTime) ? (data.startTime as number) : null,
      bootId: typeof data.bootId === 'string' && data.bootId !== '' ? data.bootId : null,
    };
  } catch {
    return null;
  }
}

/** Removes the pidfile if it still names `pid` (a newer start may already have replaced it). */
export function removePidfile(path: string, pid: number): void {
  if (readPidfile(path)?.pid === pid) rmSync(path, { force: true });
}

/** Same program and arguments; argv[0] may have been resolved to a full path by the exec. */
export function sameArgv(actual: string[], expected: string[]): boolean {
  if (actual.length !== expected.length || actual.length === 0) return false;
  const [a0, ...aRest] = actual;
  const [e0, ...eRest] = expected;
  return (a0 === e0 || basename(a0 ?? '') === basename(e0 ?? '')) && aRest.every((a, i) => a === eRest[i]);
}

/** Sends a signal to a process group led by `pid` (the supervisor spawns detached), else to the pid alone. */
export function signalGroup(pid: number, signal: NodeJS.Signals): void {
  try {
    process.kill(-pid, signal);
  } catch {
    try {
      process.kill(pid, signal);
    } catch {
      // Already gone.
    }
  }
}

export interface ReapOptions {
  /** How long to wait for the orphan to die after SIGKILL; default 5 s. */
  waitMs?: number;
  /** Told why a pidfile was removed without killing anything; default process.emitWarning. */
  log?: (message: string) => void;
}

/**
 * If the pidfile names a live process that is provably the one Medic started (same boot, same start time,
 * still running `argv`), SIGKILLs it and waits (on the clock, polling /proc) until it is gone. Anything less
 * than a full match (a reused pid, another boot, an old pidfile without start time or boot id) is left alone:
 * the pidfile is removed and nothing is killed. Returns the pid reaped, or null.
 */
export async function reapOrphan(
  clock: Clock,
  path: string,
  argv: string[],
  opts: ReapOptions = {},
): Promise<number | null> {
  const log = opts.log ?? ((message: string) => process.emitWarning(message, 'MedicPidfile'));
  const record = readPidfile(path);
  const skip = (why: string | null): null => {
    if (why !== null) log(`pidfile ${path}: ${why}; removed it, killed nothing`);
    rmSync(path, { force: true });
    return null;
  };
  if (!record || record.pid === process.pid) return skip(null);
  if (record.startTime === null || record.bootId === null) {
    // Written by an older Medic: nothing proves the pid is still ours, and killing a stranger is worse than
    // running a second copy beside an orphan.
    return (await isAlive(record.pid))
      ? skip(`pid ${record.pid} is alive but the pidfile records no start time or boot id`)
      : skip(null);
  }
  if (record.bootId !== currentBootId()) return skip(null); // Another boot: that process is long gone.
  const startTime = processStartTime(record.pid);
  if (startTime === null || !(await isAlive(record.pid))) return skip(null);
  if (startTime !== record.startTime)
    return skip(
      `pid ${record.pid} was reused by a process started later (start time ${startTime}, not ${record.startTime})`,
    );
  const cmdline = await readCmdline(record.pid);
  if (!cmdline || !sameArgv(cmdline, argv)) return skip(null);
  // Checked once more right before the kill: the window for a reuse is now microseconds, not a reboot.
  if (processStartTime(record.pid) !== record.startTime) return skip(null);
  signalGroup(record.pid, 'SIGKILL');
  const deadline = clock.now() + (opts.waitMs ?? 5_000);
  while ((await isAlive(record.pid)) && clock.now() < deadline) await clock.sleep(20);
  if (await isAlive(record.pid))
    throw new Error(`orphan pid ${record.pid} (${redactArgv(argv).join(' ')}) survived SIGKILL`);
  rmSync(path, { force: true });
  return record.pid;
}
