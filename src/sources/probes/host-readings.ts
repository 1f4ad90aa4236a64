import { readFile, statfs } from 'node:fs/promises';
import os from 'node:os';
import { setTimeout as sleep } from 'node:timers/promises';
import { type CpuTimes, cpuUtilisation, readCpuTimes, readLoad, readMemory } from '../metrics/index.js';

/** What the host probe measures, in the units its limits are written in. */
export interface HostReadings {
  cpuPercent: number;
  /** Seconds the CPU figure averages over: since the previous run, or one short sample. */
  cpuWindowSeconds: number;
  memoryUsedPercent: number;
  memoryAvailableBytes: number;
  memoryTotalBytes: number;
  swapUsedPercent: number;
  swapTotalBytes: number;
  load1: number;
  load5: number;
  load15: number;
  cores: number;
  loadPerCore: number;
  openFiles: number;
  maxOpenFiles: number;
  openFilesPercent: number;
  mounts: MountReading[];
}

export interface MountReading {
  path: string;
  /** null: the filesystem could not be read; `error` says why. */
  usedPercent: number | null;
  inodesUsedPercent: number | null;
  availableBytes: number | null;
  error?: string;
}

/** How long the first run samples the CPU when there is no earlier reading: a few clock ticks per core. */
export const FIRST_CPU_SAMPLE_MS = 250;

const round1 = (n: number) => Math.round(n * 10) / 10;
const round2 = (n: number) => Math.round(n * 100) / 100;
const percent = (part: number, whole: number) => (whole > 0 ? round1((part / whole) * 100) : 0);

/**
 * The previous /proc/stat reading per check, so CPU use is the average over the interval, not over a blink.
 * Kept with its wall time so a reading too old to mean "now" (the check was paused) is sampled afresh.
 */
const lastCpu = new Map<string, { times: CpuTimes; at: number }>();

async function cpuSince(key: string, maxAgeMs: number, signal: AbortSignal): Promise<[number, number]> {
  let prev = lastCpu.get(key);
  // CPU time is real time: the sample waits on the wall clock, not the injected one.
  if (!prev || performance.now() - prev.at > maxAgeMs) {
    prev = { times: await readCpuTimes(), at: performance.now() };
    await sleep(FIRST_CPU_SAMPLE_MS, undefined, { signal });
  }
  const cur = { times: await readCpuTimes(), at: performance.now() };
  lastCpu.set(key, cur);
  return [round1(cpuUtilisation(prev.times, cur.times) * 100), round2((cur.at - prev.at) / 1000)];
}

/** `allocated unused max` of the kernel's file handles. */
export function parseFileNr(text: string): { open: number; max: number } {
  const [allocated = 0, unused = 0, max = 0] = text.trim().split(/\s+/).map(Number);
  return { open: allocated - unused, max };
}

/** Used shares of the filesystem holding `path`, as df counts them; an unreadable one says why. */
export async function readMount(path: string): Promise<MountReading> {
  try {
    const s = await statfs(path);
    // Blocks reserved for root count as neither used nor available, as df shows them.
    const used = (s.blocks - s.bfree) * s.bsize;
    const avail = s.bavail * s.bsize;
    return {
      path,
      usedPercent: used + avail > 0 ? percent(used, used + avail) : null,
      // Filesystems without a fixed inode table (btrfs, many network mounts) report none: unknown, not 0%.
      inodesUsedPercent: s.files > 0 ? percent(s.files - s.ffree, s.files) : null,
      availableBytes: avail,
    };
  } catch (err) {
    const code = (err as NodeJS.ErrnoException).code;
    const error = code === 'ENOENT' ? 'no such file or directory' : (code ?? String(err));
    return { path, usedPercent: null, inodesUsedPercent: null, availableBytes: null, error };
  }
}

/**
 * Reads Linux /proc and statfs once. `key` names the check for the CPU delta; a previous reading older than
 * `maxAgeMs` is not used. Throws when /proc cannot be read (not Linux, or hidden): that is the probe's `down`.
 */
export async function readHost(
  key: string,
  mounts: string[],
  maxAgeMs: number,
  signal: AbortSignal,
): Promise<HostReadings> {
  const [[cpuPercent, cpuWindowSeconds], mem, load, fileNr, mountReadings] = await Promise.all([
    cpuSince(key, maxAgeMs, signal),
    readMemory(),
    readLoad(),
    readFile('/proc/sys/fs/file-nr', 'utf8').then(parseFileNr),
    Promise.all(mounts.map(readMount)),
  ]);
  const cores = Math.max(1, os.cpus().length);
  const swapUsed = mem.swapTotalBytes - mem.swapFreeBytes;
  return {
    cpuPercent,
    cpuWindowSeconds,
    memoryUsedPercent: percent(mem.usedBytes, mem.totalBytes),
    memoryAvailableBytes: mem.availableBytes,
    memoryTotalBytes: mem.totalBytes,
    swapUsedPercent: percent(swapUsed, mem.swapTotalBytes),
    swapTotalBytes: mem.swapTotalBytes,
    load1: load.load1,
    load5: load.load5,
    load15: load.load15,
    cores,
    loadPerCore: round2(load.load1 / cores),
    openFiles: fileNr.open,
    maxOpenFiles: fileNr.max,
    openFilesPercent: percent(fileNr.open, fileNr.max),
    mounts: mountReadings,
  };
}
