import { realpath } from 'node:fs/promises';
import { basename, resolve } from 'node:path';
import type { RunConfig } from '../config/index.js';
import type { Clock } from '../core/index.js';
import { processGroup, processStartTime, sameArgv } from './pidfiles.js';
import { portHolders, processCwd } from './port-holders.js';
import { isAlive, listPids, readCmdline } from './probes/procfs.js';

/** The process group a service's start made (the child leads it: detached), and the leader's start time. */
export interface StartedGroup {
  pgid: number;
  startTime: number | null;
}

/** What reaping reads of the supervisor: its clock, where relative working directories start, its log. */
export interface ReapContext {
  clock: Clock;
  baseDir: string;
  log?: (message: string, service: string) => void;
}

function signal(pid: number, sig: NodeJS.Signals): void {
  try {
    process.kill(pid, sig);
  } catch {
    // Already gone.
  }
}

/**
 * The process group the service's last run made is the service: members still alive after its leader
 * died (a server's workers when its master was killed) would hold its port and keep answering for a
 * service that is gone. They are stopped before the next start: SIGTERM, then SIGKILL after
 * `stop_timeout`. Only processes of that group started after its leader are touched.
 */
export async function reapGroup(
  ctx: ReapContext,
  service: string,
  run: RunConfig,
  group: StartedGroup,
): Promise<string[]> {
  const members = async () => {
    const out: number[] = [];
    for (const pid of await listPids()) {
      if (pid !== process.pid && isOfGroup(pid, processStartTime(pid), group)) out.push(pid);
    }
    return out;
  };
  const found = await members();
  if (found.length === 0) return [];
  const { clock } = ctx;
  for (const pid of found) {
    signal(pid, 'SIGCONT');
    signal(pid, 'SIGTERM');
  }
  const deadline = clock.now() + run.stop_timeout;
  let left = await members();
  while (left.length > 0 && clock.now() < deadline) {
    await clock.sleep(20);
    left = await members();
  }
  for (const pid of left) signal(pid, 'SIGKILL');
  const notes = found.map((pid) => `stopped a leftover of ${service}'s last run (pid ${pid})`);
  for (const n of notes) ctx.log?.(n, service);
  return notes;
}

/**
 * A process holding one of `run.ports` would make this start fail. If it runs this same argv in this same
 * working directory it is a stray copy of the service (left by a deploy, or started by hand) and is stopped:
 * SIGTERM, then SIGKILL after `stop_timeout`. Any other holder is left alone, since Medic kills nothing it
 * cannot prove is its own: start() then fails, naming the holder, and the heal backs off and escalates.
 * Returns what it found and did, one sentence each (a held port's starts with "port ").
 */
export async function reapStrays(
  ctx: ReapContext,
  service: string,
  run: RunConfig,
  previousGroup: StartedGroup | undefined,
): Promise<string[]> {
  const notes: string[] = [];
  if (run.ports.length === 0) return notes;
  // /proc/<pid>/cwd names the real path: compare with symlinks resolved.
  const given = resolve(ctx.baseDir, run.cwd ?? '.');
  const cwd = await realpath(given).catch(() => given);
  const { clock } = ctx;
  for (const port of run.ports) {
    for (const pid of await portHolders(port)) {
      if (pid === process.pid) continue;
      const started = processStartTime(pid);
      const same = () => started !== null && processStartTime(pid) === started; // not gone, not reused
      const argv = (await readCmdline(pid)) ?? [];
      // The program's name only: another program's arguments may hold its secrets.
      const shown = basename(argv[0] ?? '') || '?';
      // Ours: a copy of this command in this directory, or a process of the group the last start made (a
      // wrapper's child still draining after the wrapper exited).
      const copy = sameArgv(argv, run.command) && (await processCwd(pid)) === cwd;
      const leftover = previousGroup !== undefined && isOfGroup(pid, started, previousGroup);
      if (!copy && !leftover) {
        notes.push(`port ${port} is held by pid ${pid} (${shown}), not a copy of ${service}: left alone`);
        continue;
      }
      if (!same()) continue;
      signal(pid, 'SIGCONT');
      signal(pid, 'SIGTERM');
      const deadline = clock.now() + run.stop_timeout;
      while (same() && (await isAlive(pid)) && clock.now() < deadline) await clock.sleep(20);
      if (same() && (await isAlive(pid))) signal(pid, 'SIGKILL');
      while (same() && (await isAlive(pid)) && clock.now() < deadline + 5_000) await clock.sleep(20);
      const what = copy ? `a stray copy of ${service}` : `a leftover of ${service}'s last run`;
      notes.push(
        same() && (await isAlive(pid))
          ? `port ${port} is held by ${what} (pid ${pid}) that did not stop`
          : `stopped ${what} (pid ${pid}) that held port ${port}`,
      );
    }
  }
  for (const n of notes) ctx.log?.(n, service);
  return notes;
}

/**
 * True when `pid` is a member of the group the last start made, and not of a later group that reuses its
 * number: it started no earlier than that group's leader did, and the leader, if it still runs, is the same
 * process (same start time).
 */
function isOfGroup(pid: number, started: number | null, group: StartedGroup): boolean {
  if (group.startTime === null || started === null || processGroup(pid) !== group.pgid) return false;
  if (started < group.startTime) return false;
  const leader = processStartTime(group.pgid);
  return leader === null || leader === group.startTime;
}
