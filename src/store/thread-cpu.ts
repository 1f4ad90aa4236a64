import { readFileSync } from 'node:fs';

/**
 * CPU time of the calling thread, in milliseconds (null where the system does not say): process.cpuUsage
 * counts every thread of the process, and Node 20 has no per-thread figure. Linux's schedstat gives it in
 * nanoseconds; its stat, in clock ticks (10 ms), is the fallback.
 */
export function threadCpuMs(): number | null {
  try {
    const ns = Number(readFileSync('/proc/thread-self/schedstat', 'latin1').split(' ', 1)[0]);
    if (Number.isFinite(ns)) return ns / 1e6;
  } catch {
    // no schedstat: try stat
  }
  try {
    const stat = readFileSync('/proc/thread-self/stat', 'latin1');
    // Fields after the command name (which may hold spaces), from the third: utime and stime are 14 and 15.
    const rest = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
    const ticks = Number(rest[11]) + Number(rest[12]);
    return Number.isFinite(ticks) ? ticks * 10 : null;
  } catch {
    return null;
  }
}
