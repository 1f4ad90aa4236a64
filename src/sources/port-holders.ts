import { readdir, readFile, readlink } from 'node:fs/promises';

/**
 * Which processes listen on a TCP port, from Linux's /proc: the listening sockets of /proc/net/tcp and tcp6
 * (state 0A) give socket inodes, and each process's /proc/<pid>/fd links name the inodes it holds. Processes
 * of other users are invisible without privileges; elsewhere than Linux the answer is empty.
 */
export async function listeningInodes(port: number): Promise<Set<string>> {
  const inodes = new Set<string>();
  for (const table of ['/proc/net/tcp', '/proc/net/tcp6']) {
    let text: string;
    try {
      text = await readFile(table, 'utf8');
    } catch {
      continue;
    }
    for (const line of text.split('\n').slice(1)) {
      // sl local_address rem_address st tx:rx tr:when retrnsmt uid timeout inode ...
      const f = line.trim().split(/\s+/);
      if (f.length < 10 || f[3] !== '0A') continue;
      const local = f[1] ?? '';
      if (Number.parseInt(local.slice(local.lastIndexOf(':') + 1), 16) === port && f[9] !== '0')
        inodes.add(f[9]!);
    }
  }
  return inodes;
}

/** The pids holding a listening socket on `port` (any address), lowest first. */
export async function portHolders(port: number): Promise<number[]> {
  const inodes = await listeningInodes(port);
  if (inodes.size === 0) return [];
  const wanted = new Set([...inodes].map((i) => `socket:[${i}]`));
  const pids = (await readdir('/proc').catch(() => [] as string[]))
    .filter((d) => /^\d+$/.test(d))
    .map(Number)
    .sort((a, b) => a - b);
  const holders: number[] = [];
  for (const pid of pids) {
    const fds = await readdir(`/proc/${pid}/fd`).catch(() => [] as string[]);
    for (const fd of fds) {
      const link = await readlink(`/proc/${pid}/fd/${fd}`).catch(() => '');
      if (wanted.has(link)) {
        holders.push(pid);
        break;
      }
    }
  }
  return holders;
}

/** The working directory of a process, or null if it is gone or not ours to read. */
export async function processCwd(pid: number): Promise<string | null> {
  return readlink(`/proc/${pid}/cwd`).catch(() => null);
}
