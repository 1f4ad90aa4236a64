import { mkdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { basename, dirname, join } from 'node:path';
import type { Clock } from '../core/index.js';
import { isAlive, readCmdline } from './probes/procfs.js';

/**
 * Pidfiles under <dataDir>/pids/ record what Medic started, so a Medic that was killed can find and reap its
 * orphans on the next start instead of running a second copy beside them. Synchronous on purpose: a restart
 * removes the old file and writes the new one, and those must not interleave.
 */
export interface PidfileRecord {
  pid: number;
  argv: string[];
}

export function pidfilePath(dataDir: string, service: string): string {
  return join(dataDir, 'pids', `${service}.pid`);
}

export function writePidfile(path: string, record: PidfileRecord): void {
  mkdirSync(dirname(path), { recursive: true });
  writeFileSync(path, `${JSON.stringify(record)}\n`);
}

export function readPidfile(path: string): PidfileRecord | null {
  try {
    const data = JSON.parse(readFileSync(path, 'utf8')) as Partial<PidfileRecord>;
    if (!Number.isInteger(data.pid) || !Array.isArray(data.argv)) return null;
    return { pid: data.pid as number, argv: data.argv.map(String) };
  } catch {
    return null;
  }
}

/** Removes the pidfile if it still names `pid` (a newer start may already have replaced it). */
export function removePidfile(path: string, pid: number): void {
  if (readPidfile(path)?.pid === pid) rmSync(path, { force: true });
}

/** Same program and arguments; argv[0] may have been resolved to a full path by the exec. */
function sameArgv(actual: string[], expected: string[]): boolean {
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

/**
 * If the pidfile names a live process still running `argv`, SIGKILLs it and waits (on the clock, polling
 * /proc) until it is gone. A pid reused by an unrelated program does not match argv and is left alone.
 * Returns the pid reaped, or null.
 */
export async function reapOrphan(
  clock: Clock,
  path: string,
  argv: string[],
  waitMs = 5_000,
): Promise<number | null> {
  const record = readPidfile(path);
  if (!record || record.pid === process.pid) {
    rmSync(path, { force: true });
    return null;
  }
  const cmdline = await readCmdline(record.pid);
  if (!cmdline || !sameArgv(cmdline, argv) || !(await isAlive(record.pid))) {
    rmSync(path, { force: true });
    return null;
  }
  signalGroup(record.pid, 'SIGKILL');
  const deadline = clock.now() + waitMs;
  while ((await isAlive(record.pid)) && clock.now() < deadline) await clock.sleep(20);
  if (await isAlive(record.pid))
    throw new Error(`orphan pid ${record.pid} (${argv.join(' ')}) survived SIGKILL`);
  rmSync(path, { force: true });
  return record.pid;
}
