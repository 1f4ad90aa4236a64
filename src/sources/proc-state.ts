import { readdir, readFile } from 'node:fs/promises';
import { CLK_TCK } from './probes/procfs.js';

/**
 * A supervised process's state from /proc, with its whole process group (the supervisor starts each service
 * as a group leader, so a wrapper's children are seen too): what `ps -o stat` would tell an operator.
 */
export interface ProcessState {
  pid: number;
  /**
   * The state that says most about the group, in this order: T stopped (SIGSTOP, or t traced), D
   * uninterruptible (disk or NFS wait), Z zombie (exited, not reaped), R running, S sleeping.
   */
  state: string;
  /** Every member of the group: pid, state letter and command name. */
  group: { pid: number; state: string; comm: string }[];
  /** CPU the whole group used while it was measured, in percent of one core (null: not measured). */
  cpuPercent: number | null;
}

const RANK = ['T', 't', 'D', 'Z', 'R', 'S', 'I'];
const rank = (s: string) => {
  const i = RANK.indexOf(s);
  return i < 0 ? RANK.length : i;
};

export const STATE_NAMES: Readonly<Record<string, string>> = {
  T: 'stopped',
  t: 'stopped by a tracer',
  D: 'in uninterruptible sleep',
  Z: 'a zombie',
  R: 'running',
  S: 'sleeping',
  I: 'idle',
  X: 'dead',
};

interface Member {
  pid: number;
  state: string;
  comm: string;
  pgrp: number;
  ticks: number;
}

async function readMember(pid: number, proc: string): Promise<Member | null> {
  let text: string;
  try {
    text = await readFile(`${proc}/${pid}/stat`, 'utf8');
  } catch {
    return null; // gone between the listing and the read
  }
  const close = text.lastIndexOf(')');
  const f = text.slice(close + 2).split(' ');
  // f[0] is field 3 (state), f[2] field 5 (pgrp), f[11] and f[12] fields 14 and 15 (utime, stime).
  return {
    pid,
    comm: text.slice(text.indexOf('(') + 1, close),
    state: f[0] ?? '?',
    pgrp: Number(f[2]),
    ticks: Number(f[11]) + Number(f[12]),
  };
}

async function groupOf(leader: number, proc: string): Promise<Member[]> {
  const names = await readdir(proc).catch(() => [] as string[]);
  const all = await Promise.all(names.filter((n) => /^\d+$/.test(n)).map((n) => readMember(Number(n), proc)));
  return all.filter((m): m is Member => m !== null && (m.pgrp === leader || m.pid === leader));
}

/**
 * The state of process `pid` and of its group; null when the process is gone. With `cpuSampleMs`, the
 * group's CPU use is measured over that long (two reads of its clock ticks).
 */
export async function readProcessState(
  pid: number,
  opts: { cpuSampleMs?: number; proc?: string } = {},
): Promise<ProcessState | null> {
  const proc = opts.proc ?? '/proc';
  const first = await groupOf(pid, proc);
  if (!first.some((m) => m.pid === pid)) return null;
  let members = first;
  let cpuPercent: number | null = null;
  if (opts.cpuSampleMs && opts.cpuSampleMs > 0) {
    const started = performance.now();
    await new Promise((r) => setTimeout(r, opts.cpuSampleMs));
    const second = await groupOf(pid, proc);
    const elapsed = (performance.now() - started) / 1000;
    // Only processes seen both times count: a child born or reaped in between has no delta.
    const before = new Map(first.map((m) => [m.pid, m.ticks]));
    let ticks = 0;
    for (const m of second) {
      const b = before.get(m.pid);
      if (b !== undefined && m.ticks >= b) ticks += m.ticks - b;
    }
    cpuPercent = elapsed > 0 ? Math.round((ticks / CLK_TCK / elapsed) * 100) : null;
    if (second.some((m) => m.pid === pid)) members = second;
  }
  const group = members
    .map((m) => ({ pid: m.pid, state: m.state, comm: m.comm }))
    .sort((a, b) => a.pid - b.pid);
  const leader = group.find((m) => m.pid === pid)?.state ?? '?';
  const state = group.reduce((worst, m) => (rank(m.state) < rank(worst) ? m.state : worst), leader);
  return { pid, state, group, cpuPercent };
}
