import { readdir, readFile } from 'node:fs/promises';

/**
 * Reading Linux /proc. Every reader returns null when the process is gone (it can vanish between two reads),
 * so callers treat "gone" as data, not as an error.
 */

/** Clock ticks per second for utime/stime: 100 on every Linux Medic targets (sysconf(_SC_CLK_TCK)). */
export const CLK_TCK = 100;

export interface ProcStat {
  pid: number;
  comm: string;
  /** R running, S sleeping, D disk wait, Z zombie, T stopped, t traced, X dead, I idle. */
  state: string;
  ppid: number;
  /** utime + stime, in clock ticks. */
  cpuTicks: number;
}

async function readOrNull(path: string): Promise<string | null> {
  try {
    return await readFile(path, 'utf8');
  } catch {
    return null;
  }
}

export async function readStat(pid: number): Promise<ProcStat | null> {
  const text = await readOrNull(`/proc/${pid}/stat`);
  if (text === null) return null;
  // comm sits in parentheses and may itself contain spaces or ')': split after the last one.
  const close = text.lastIndexOf(')');
  const comm = text.slice(text.indexOf('(') + 1, close);
  const f = text.slice(close + 2).split(' ');
  // f[0] is field 3 (state); utime and stime are fields 14 and 15.
  return {
    pid,
    comm,
    state: f[0] ?? '?',
    ppid: Number(f[1]),
    cpuTicks: Number(f[11]) + Number(f[12]),
  };
}

/** Resident set size in bytes, from VmRSS (absent for zombies and kernel threads). */
export async function readRssBytes(pid: number): Promise<number | null> {
  const text = await readOrNull(`/proc/${pid}/status`);
  const m = text && /^VmRSS:\s+(\d+)\s*kB/m.exec(text);
  return m ? Number(m[1]) * 1024 : null;
}

/** The argv the process was started with (empty for zombies). */
export async function readCmdline(pid: number): Promise<string[] | null> {
  const text = await readOrNull(`/proc/${pid}/cmdline`);
  if (text === null) return null;
  const parts = text.split('\0');
  if (parts[parts.length - 1] === '') parts.pop();
  return parts;
}

export async function readComm(pid: number): Promise<string | null> {
  const text = await readOrNull(`/proc/${pid}/comm`);
  return text === null ? null : text.trim();
}

export async function listPids(): Promise<number[]> {
  const names = await readdir('/proc');
  return names.filter((n) => /^\d+$/.test(n)).map(Number);
}

/** Alive means present and not a zombie: a zombie has exited and only waits for its parent to reap it. */
export async function isAlive(pid: number): Promise<boolean> {
  const stat = await readStat(pid);
  return stat !== null && stat.state !== 'Z' && stat.state !== 'X';
}
