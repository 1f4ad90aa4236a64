import { readdir, readFile, readlink } from 'node:fs/promises';

/** What /proc tells of one process. Processes of other users show no fds without privileges. */
export interface ProcessInfo {
  pid: number;
  ppid: number;
  comm: string;
  argv: string[];
  /** The systemd unit (or container scope) whose cgroup holds it, if any. */
  cgroup: string | null;
}

const read = (file: string) => readFile(file, 'utf8').catch(() => null);

/** Socket inodes to the pids holding them, in one pass over /proc/<pid>/fd. */
export async function socketOwners(proc = '/proc'): Promise<Map<string, number[]>> {
  const owners = new Map<string, number[]>();
  const pids = (await readdir(proc).catch(() => [] as string[])).filter((d) => /^\d+$/.test(d)).map(Number);
  for (const pid of pids) {
    const fds = await readdir(`${proc}/${pid}/fd`).catch(() => [] as string[]);
    for (const fd of fds) {
      const link = await readlink(`${proc}/${pid}/fd/${fd}`).catch(() => '');
      const m = /^socket:\[(\d+)\]$/.exec(link);
      if (!m?.[1]) continue;
      const list = owners.get(m[1]) ?? [];
      if (!list.includes(pid)) list.push(pid);
      owners.set(m[1], list);
    }
  }
  return owners;
}

/** A process's name, argv, parent and cgroup; null once it is gone (it may vanish between two reads). */
export async function processInfo(pid: number, proc = '/proc'): Promise<ProcessInfo | null> {
  const stat = await read(`${proc}/${pid}/stat`);
  if (stat === null) return null;
  // comm sits in parentheses and may itself hold spaces or ')': the fields start after the last one.
  const close = stat.lastIndexOf(')');
  const comm = stat.slice(stat.indexOf('(') + 1, close);
  const ppid = Number(stat.slice(close + 2).split(' ')[1]);
  const cmdline = (await read(`${proc}/${pid}/cmdline`)) ?? '';
  // A program that rewrites its title pads it with spaces (redis-server does): keep the words.
  const argv = cmdline
    .split('\0')
    .map((a) => a.trim())
    .filter((a) => a !== '');
  return { pid, ppid, comm, argv, cgroup: unitOf((await read(`${proc}/${pid}/cgroup`)) ?? '') };
}

/**
 * The unit a process runs in, from its cgroup path: `nginx.service` of `0::/system.slice/nginx.service`, a
 * container's `docker-<id>.scope`. Login sessions and user managers are no unit a system Medic restarts.
 */
export function unitOf(cgroupText: string): string | null {
  for (const line of cgroupText.split('\n')) {
    const path = line.split(':').slice(2).join(':');
    if (!path.startsWith('/system.slice/')) continue;
    const unit = path.slice('/system.slice/'.length).split('/')[0] ?? '';
    if (/\.(service|scope)$/.test(unit)) return unit;
  }
  return null;
}
