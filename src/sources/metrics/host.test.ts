import { describe, expect, it } from 'vitest';
import {
  CpuSampler,
  cpuUtilisation,
  parseCpuTimes,
  parseLoadavg,
  parseMeminfo,
  parseMounts,
  readDisks,
  readLoad,
  readMemory,
} from './host.js';

describe('host metrics parsers', () => {
  it('reads CPU times and turns two readings into utilisation', () => {
    const a = parseCpuTimes('cpu  100 0 50 800 50 0 0 0 0 0\ncpu0 1 2 3 4\n');
    const b = parseCpuTimes('cpu  160 0 70 900 70 0 0 0 0 0\n');
    expect(a).toEqual({ busy: 150, total: 1000 });
    // 80 busy jiffies of 200.
    expect(cpuUtilisation(a, b)).toBeCloseTo(0.4, 9);
  });

  it('reads memory with and without MemAvailable', () => {
    const m = parseMeminfo(
      'MemTotal: 1000 kB\nMemFree: 100 kB\nMemAvailable: 400 kB\nSwapTotal: 10 kB\nSwapFree: 5 kB\n',
    );
    expect(m).toMatchObject({
      totalBytes: 1_024_000,
      availableBytes: 409_600,
      usedBytes: 614_400,
      swapFreeBytes: 5120,
    });
    expect(m.usedRatio).toBeCloseTo(0.6, 9);
    const old = parseMeminfo('MemTotal: 1000 kB\nMemFree: 100 kB\nBuffers: 50 kB\nCached: 150 kB\n');
    expect(old.availableBytes).toBe(300 * 1024);
  });

  it('reads the load and the real mounts', () => {
    expect(parseLoadavg('0.53 0.80 0.47 1/84 13507\n')).toEqual({ load1: 0.53, load5: 0.8, load15: 0.47 });
    const mounts = parseMounts(
      'proc /proc proc rw 0 0\n/dev/sda1 / ext4 rw 0 0\n/dev/sdb1 /mnt/my\\040disk xfs rw 0 0\ntmpfs /run tmpfs rw 0 0\n/dev/sda1 / ext4 rw 0 0\n',
    );
    expect(mounts).toEqual([
      { device: '/dev/sda1', mount: '/', fstype: 'ext4' },
      { device: '/dev/sdb1', mount: '/mnt/my disk', fstype: 'xfs' },
      { device: 'tmpfs', mount: '/run', fstype: 'tmpfs' },
    ]);
  });
});

describe('host metrics on this machine', () => {
  it('reads /proc and statfs', async () => {
    const mem = await readMemory();
    expect(mem.totalBytes).toBeGreaterThan(0);
    expect(mem.usedRatio).toBeGreaterThan(0);
    expect((await readLoad()).load1).toBeGreaterThanOrEqual(0);
    const disks = await readDisks();
    const root = disks.find((d) => d.mount === '/');
    expect(root?.totalBytes).toBeGreaterThan(0);
    expect(root?.usedRatio).toBeGreaterThanOrEqual(0);
    expect(root?.usedRatio).toBeLessThanOrEqual(1);
    const cpu = new CpuSampler();
    expect(await cpu.sample()).toBeNull();
    const u = await cpu.sample();
    expect(u).toBeGreaterThanOrEqual(0);
    expect(u).toBeLessThanOrEqual(1);
  });
});
