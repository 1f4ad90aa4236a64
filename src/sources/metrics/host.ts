import { readFile, statfs } from 'node:fs/promises';

/**
 * Host metrics from Linux /proc and statfs: CPU utilisation, memory, load and disk usage per mount. Parsers
 * take the file's text so tests feed them fixtures; the readers take the /proc root for the same reason.
 */

export interface CpuTimes {
  /** Jiffies spent busy (user, nice, system, irq, softirq, steal) and in total (busy + idle + iowait). */
  busy: number;
  total: number;
}

export interface MemoryInfo {
  totalBytes: number;
  availableBytes: number;
  usedBytes: number;
  usedRatio: number;
  swapTotalBytes: number;
  swapFreeBytes: number;
}

export interface LoadInfo {
  load1: number;
  load5: number;
  load15: number;
}

export interface DiskUsage {
  mount: string;
  device: string;
  fstype: string;
  totalBytes: number;
  /** Available to unprivileged users (what an application can still write). */
  availableBytes: number;
  usedRatio: number;
}

/** The aggregate `cpu` line of /proc/stat. */
export function parseCpuTimes(procStat: string): CpuTimes {
  const line = procStat.split('\n').find((l) => l.startsWith('cpu '));
  if (!line) throw new Error('no cpu line in /proc/stat');
  const f = line.trim().split(/\s+/).slice(1).map(Number);
  const [user = 0, nice = 0, system = 0, idle = 0, iowait = 0, irq = 0, softirq = 0, steal = 0] = f;
  // guest time is already inside user and nice: not added twice.
  const busy = user + nice + system + irq + softirq + steal;
  return { busy, total: busy + idle + iowait };
}

/** Utilisation 0..1 between two readings (CPU counters only mean something as differences). */
export function cpuUtilisation(prev: CpuTimes, cur: CpuTimes): number {
  const total = cur.total - prev.total;
  return total > 0 ? Math.min(1, Math.max(0, (cur.busy - prev.busy) / total)) : 0;
}

export function parseMeminfo(text: string): MemoryInfo {
  const kb = (key: string): number => {
    const m = new RegExp(`^${key}:\\s+(\\d+)`, 'm').exec(text);
    return m ? Number(m[1]) * 1024 : 0;
  };
  const totalBytes = kb('MemTotal');
  // MemAvailable (kernels ≥ 3.14) counts reclaimable cache; without it, free + buffers + cached.
  const availableBytes = /^MemAvailable:/m.test(text)
    ? kb('MemAvailable')
    : kb('MemFree') + kb('Buffers') + kb('Cached');
  const usedBytes = Math.max(0, totalBytes - availableBytes);
  return {
    totalBytes,
    availableBytes,
    usedBytes,
    usedRatio: totalBytes > 0 ? usedBytes / totalBytes : 0,
    swapTotalBytes: kb('SwapTotal'),
    swapFreeBytes: kb('SwapFree'),
  };
}

export function parseLoadavg(text: string): LoadInfo {
  const [a, b, c] = text.trim().split(/\s+/).map(Number);
  return { load1: a ?? 0, load5: b ?? 0, load15: c ?? 0 };
}

/** Filesystems that hold no user data: watching them would only add noise. */
const PSEUDO = new Set([
  'proc',
  'sysfs',
  'devtmpfs',
  'devpts',
  'cgroup',
  'cgroup2',
  'securityfs',
  'pstore',
  'debugfs',
  'tracefs',
  'mqueue',
  'hugetlbfs',
  'configfs',
  'fusectl',
  'bpf',
  'autofs',
  'binfmt_misc',
  'rpc_pipefs',
  'nsfs',
  'squashfs',
]);

/** Mount points from /proc/mounts worth watching (real filesystems, each mount point once). */
export function parseMounts(text: string): { device: string; mount: string; fstype: string }[] {
  const seen = new Set<string>();
  const out: { device: string; mount: string; fstype: string }[] = [];
  for (const line of text.split('\n')) {
    const [device, rawMount, fstype] = line.split(' ');
    if (!device || !rawMount || !fstype || PSEUDO.has(fstype)) continue;
    // /proc/mounts escapes spaces and friends as octal (\040).
    const mount = rawMount.replace(/\\([0-7]{3})/g, (_, o: string) =>
      String.fromCharCode(Number.parseInt(o, 8)),
    );
    if (seen.has(mount)) continue;
    seen.add(mount);
    out.push({ device, mount, fstype });
  }
  return out;
}

export async function readCpuTimes(proc = '/proc'): Promise<CpuTimes> {
  return parseCpuTimes(await readFile(`${proc}/stat`, 'utf8'));
}

export async function readMemory(proc = '/proc'): Promise<MemoryInfo> {
  return parseMeminfo(await readFile(`${proc}/meminfo`, 'utf8'));
}

export async function readLoad(proc = '/proc'): Promise<LoadInfo> {
  return parseLoadavg(await readFile(`${proc}/loadavg`, 'utf8'));
}

/** Usage of every real mount; a mount that cannot be read (permissions, a stale NFS) is skipped, not fatal. */
export async function readDisks(proc = '/proc'): Promise<DiskUsage[]> {
  const mounts = parseMounts(await readFile(`${proc}/mounts`, 'utf8'));
  const out: DiskUsage[] = [];
  for (const m of mounts) {
    try {
      const s = await statfs(m.mount);
      const totalBytes = s.blocks * s.bsize;
      if (totalBytes === 0) continue;
      const availableBytes = s.bavail * s.bsize;
      // Used as df counts it: what is neither free nor reserved-free, over what users can ever have.
      const used = (s.blocks - s.bfree) * s.bsize;
      out.push({ ...m, totalBytes, availableBytes, usedRatio: used / (used + availableBytes) });
    } catch {
      // unreadable mount: skipped
    }
  }
  return out;
}

/** Keeps the previous CPU reading so each call returns the utilisation since the last one. */
export class CpuSampler {
  private prev: CpuTimes | null = null;

  constructor(private readonly proc = '/proc') {}

  /** Utilisation since the previous call (null on the first: there is nothing to compare with yet). */
  async sample(): Promise<number | null> {
    const cur = await readCpuTimes(this.proc);
    const prev = this.prev;
    this.prev = cur;
    return prev ? cpuUtilisation(prev, cur) : null;
  }
}
