import { type ChildProcess, spawn } from 'node:child_process';
import { afterEach, describe, expect, it } from 'vitest';
import { checkSchema } from '../../config/index.js';
import { hostProbe } from './host.js';
import { FIRST_CPU_SAMPLE_MS, parseFileNr } from './host-readings.js';
import { check, context } from './testing.fixture.js';

/** Each test its own service name: the CPU window is kept per service and check. */
let n = 0;
const run = (host: Record<string, unknown>, extra: Record<string, unknown> = {}) =>
  hostProbe.run(check({ host, ...extra }), context(5_000, { service: `host-${++n}` }));

let burner: ChildProcess | undefined;
afterEach(() => {
  burner?.kill('SIGKILL');
  burner = undefined;
});

describe('host probe (this machine: /proc and statfs)', () => {
  it('reports every figure with its shape, and is up with no limits', async () => {
    const r = await run({});
    expect(r.ok, r.message).toBe(true);
    const d = r.details as Record<string, unknown>;
    for (const k of ['cpuPercent', 'memoryUsedPercent', 'swapUsedPercent', 'openFilesPercent']) {
      expect(d[k], k).toBeGreaterThanOrEqual(0);
      expect(d[k], k).toBeLessThanOrEqual(100);
    }
    expect(d.memoryTotalBytes).toBeGreaterThan(0);
    expect(d.memoryAvailableBytes).toBeGreaterThan(0);
    expect(d.memoryAvailableBytes as number).toBeLessThanOrEqual(d.memoryTotalBytes as number);
    expect(d.cores).toBeGreaterThanOrEqual(1);
    expect(d.loadPerCore).toBeCloseTo((d.load1 as number) / (d.cores as number), 1);
    expect(d.openFiles).toBeGreaterThan(0);
    expect(d.mounts).toEqual([
      {
        path: '/',
        usedPercent: expect.any(Number),
        inodesUsedPercent: expect.anything(),
        availableBytes: expect.any(Number),
      },
    ]);
    expect(r.message).toMatch(
      /^cpu [\d.]+%; memory [\d.]+% used \([\d.]+ [KMGT]iB available\); load [\d.]+ per core \([\d.]+ on \d+\); \/ [\d.]+% used/,
    );
  });

  it('CPU is the average since the previous run; the first run samples briefly', async () => {
    const c = check({ host: {} });
    const ctx = () => context(5_000, { service: 'cpu-window' });
    const first = await hostProbe.run(c, ctx());
    const w1 = (first.details as { cpuWindowSeconds: number }).cpuWindowSeconds;
    expect(w1).toBeGreaterThanOrEqual((FIRST_CPU_SAMPLE_MS / 1000) * 0.9);
    expect(w1).toBeLessThan(5);
    await new Promise((r) => setTimeout(r, 600));
    const second = await hostProbe.run(c, ctx());
    const w2 = (second.details as { cpuWindowSeconds: number }).cpuWindowSeconds;
    // No fresh sample: the window spans the wait between the runs.
    expect(w2).toBeGreaterThanOrEqual(0.55);
  });

  it('a CPU limit below the measured use is degraded (down for the down level), above it up', async () => {
    // A busy child makes sure the window has work in it.
    burner = spawn(process.execPath, ['-e', 'for (;;) {}'], { stdio: 'ignore' });
    const degraded = await run({ cpu_percent: { degraded: 0 } });
    const cpu = (degraded.details as { cpuPercent: number }).cpuPercent;
    expect(cpu).toBeGreaterThan(0);
    expect(degraded).toMatchObject({ ok: false, degraded: true });
    expect(degraded.message).toBe(`cpu ${cpu}% over cpu_percent.degraded 0`);
    const down = await run({ cpu_percent: { degraded: 0, down: 0 } });
    expect(down.ok).toBe(false);
    expect(down.degraded).toBeUndefined();
    expect(down.message).toMatch(/^cpu [\d.]+% over cpu_percent\.down 0$/);
    const up = await run({ cpu_percent: { degraded: 100, down: 100 } });
    expect(up.ok, up.message).toBe(true);
  });

  it('memory, disk and inodes: below the measured value degraded or down, above it up', async () => {
    const base = await run({});
    const d = base.details as { memoryUsedPercent: number; mounts: { usedPercent: number }[] };
    const mem = d.memoryUsedPercent;
    const disk = d.mounts[0]!.usedPercent;
    expect(mem).toBeGreaterThan(0);
    expect(disk).toBeGreaterThan(0);

    const degraded = await run({
      memory_used_percent: { degraded: mem / 2 },
      disk_used_percent: { degraded: disk / 2, down: 100 },
    });
    expect(degraded).toMatchObject({ ok: false, degraded: true });
    expect(degraded.message).toMatch(
      /^memory [\d.]+% used \([\d.]+ [KMGT]iB available\) over memory_used_percent\.degraded [\d.]+; \/ [\d.]+% used over disk_used_percent\.degraded [\d.]+$/,
    );

    // A down level passed wins; the degraded ones are still named, after it.
    const down = await run({
      memory_used_percent: { degraded: mem / 2 },
      disk_used_percent: { down: disk / 2 },
    });
    expect(down.ok).toBe(false);
    expect(down.degraded).toBeUndefined();
    expect(down.message).toMatch(
      /^\/ [\d.]+% used over disk_used_percent\.down [\d.]+; memory .* over memory_used_percent\.degraded/,
    );

    const up = await run({
      memory_used_percent: { degraded: 100 },
      disk_used_percent: { degraded: 100 },
      inodes_used_percent: { degraded: 100 },
      swap_used_percent: { down: 100 },
      open_files_percent: { down: 100 },
    });
    expect(up.ok, up.message).toBe(true);
    expect(up.message).toMatch(/swap [\d.]+% used; .*open files [\d.]+% \(\d+ of \d+\)/);
  });

  it('load per core against its levels', async () => {
    const r = await run({ load_per_core: { degraded: 0 } });
    const load = (r.details as { loadPerCore: number }).loadPerCore;
    // The load average of a machine running this test is rarely 0.00, but it can be: judge what was read.
    if (load > 0) expect(r).toMatchObject({ ok: false, degraded: true });
    else expect(r.ok).toBe(true);
    const up = await run({ load_per_core: { degraded: 1000, down: 1000 } });
    expect(up.ok, up.message).toBe(true);
  });

  it('several mounts each judged; one that cannot be read is down, named', async () => {
    const r = await run({ mounts: ['/', '/proc', '/no/such/mount'], disk_used_percent: { down: 100 } });
    expect(r.ok).toBe(false);
    expect(r.degraded).toBeUndefined();
    expect(r.message).toBe('/no/such/mount: cannot read its filesystem (no such file or directory)');
    const ok = await run({ mounts: ['/', '/proc'], disk_used_percent: { down: 100 } });
    expect(ok.ok, ok.message).toBe(true);
    expect(ok.message).toMatch(/; \/ [\d.]+% used; .*\/proc size unknown$/);
    const mounts = (r.details as { mounts: { path: string }[] }).mounts.map((m) => m.path);
    expect(mounts).toEqual(['/', '/proc', '/no/such/mount']);
  });

  it('relative mounts start at the config file directory', async () => {
    const r = await hostProbe.run(
      check({ host: { mounts: ['.'] } }),
      context(5_000, { service: 'rel', baseDir: '/tmp' }),
    );
    expect((r.details as { mounts: { path: string }[] }).mounts[0]!.path).toBe('/tmp');
  });

  it('a signal that already fired is a timeout, not a reading', async () => {
    const ac = new AbortController();
    ac.abort();
    const r = await hostProbe.run(check({ host: {} }), { ...context(), signal: ac.signal });
    expect(r.ok).toBe(false);
    expect(r.message).toMatch(/^timed out after /);
  });

  it('parses /proc/sys/fs/file-nr', () => {
    const { open, max } = parseFileNr('3264\t0\t9223372036854775807\n');
    expect(open).toBe(3264);
    expect(max).toBeGreaterThan(9e18);
    expect(parseFileNr('1000 200 5000')).toEqual({ open: 800, max: 5000 });
  });

  it('config: levels need one of degraded/down, down not below degraded, percents within 0..100', () => {
    const bad = (host: Record<string, unknown>) =>
      checkSchema.safeParse({ host }).error?.issues.map((i) => `${i.path.join('.')}: ${i.message}`);
    expect(bad({ cpu_percent: {} })).toEqual(['host.cpu_percent: give degraded, down or both']);
    expect(bad({ cpu_percent: { degraded: 90, down: 80 } })).toEqual([
      'host.cpu_percent.down: down must not be below degraded',
    ]);
    expect(bad({ disk_used_percent: { down: 120 } })?.[0]).toMatch(/^host\.disk_used_percent\.down: /);
    expect(bad({ load_per_core: { max: 2 } })?.[0]).toMatch(/^host\.load_per_core: .*max/);
    expect(bad({ mounts: [] })?.[0]).toMatch(/^host\.mounts: /);
    expect(checkSchema.parse({ host: {} }).host).toEqual({ mounts: ['/'] });
  });
});
