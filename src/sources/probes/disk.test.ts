import { mkdirSync, mkdtempSync, rmSync, symlinkSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import { parseConfig } from '../../config/index.js';
import { ConfigError } from '../../core/index.js';
import { dirUsage } from '../dir-usage.js';
import { diskProbe } from './disk.js';
import { check, context } from './testing.fixture.js';

// The real walk, which one test replaces for a single call to see a tree too big to walk in budget.
vi.mock('../dir-usage.js', async (real) => {
  const m = await real<typeof import('../dir-usage.js')>();
  return { dirUsage: vi.fn(m.dirUsage) };
});

let root: string;
beforeEach(() => {
  root = mkdtempSync(join(tmpdir(), 'medic-disk-'));
  mkdirSync(join(root, 'data'));
  // Random bytes, so no filesystem can compress or dedupe them below their length.
  writeFileSync(
    join(root, 'data', 'a.bin'),
    Buffer.from(Array.from({ length: 64 * 1024 }, () => Math.random() * 256)),
  );
  mkdirSync(join(root, 'data', 'sub'));
  writeFileSync(join(root, 'data', 'sub', 'b.bin'), Buffer.alloc(32 * 1024, 7));
});
afterEach(() => rmSync(root, { recursive: true, force: true }));

/** Runs a disk check on `<root>/data`, written relative to the config directory as a user would. */
function run(limits: Record<string, unknown>, path = './data') {
  return diskProbe.run(check({ disk: { path, ...limits } }), context(5_000, { baseDir: root }));
}

describe('disk probe', () => {
  it('measures the directory as du does and is ok under max_size', async () => {
    const r = await run({ max_size: '300MiB' });
    expect(r.ok).toBe(true);
    const bytes = r.details?.bytes as number;
    // At least what was written (blocks, not lengths; a filesystem may allocate more, never less here).
    expect(bytes).toBeGreaterThanOrEqual(96 * 1024);
    expect(r.details).toMatchObject({ path: join(root, 'data'), partial: false, sizeMb: expect.any(Number) });
    expect(r.message).toMatch(/^\.\/data: [\d.]+ KiB of 300 MiB, filesystem used [\d.]+%, inodes used/);
  });

  it('is degraded just over max_size, ok just at it (the limit is the real size)', async () => {
    const bytes = (await run({ max_size: '1GB' })).details?.bytes as number;
    const over = await run({ max_size: bytes - 1 });
    expect(over).toMatchObject({ ok: false, degraded: true, details: { bytes } });
    expect(over.message).toMatch(/^\.\/data: size [\d.]+ KiB over [\d.]+ KiB$/);
    expect((await run({ max_size: bytes })).ok).toBe(true);
  });

  it('takes a partial walk as a lower bound: over is over, under is ok and says so', async () => {
    const partial = (bytes: number) =>
      vi.mocked(dirUsage).mockResolvedValueOnce({ path: root, bytes, partial: true, fsUsedPercent: null });
    partial(2 * 1024 * 1024);
    const over = await run({ max_size: '1MiB' });
    expect(over).toMatchObject({ ok: false, degraded: true, details: { partial: true } });
    expect(over.message).toMatch(/size at least 2 MiB over 1 MiB/);
    partial(512 * 1024);
    const under = await run({ max_size: '1MiB' });
    expect(under).toMatchObject({ ok: true, details: { partial: true, sizeMb: 0.5 } });
    expect(under.message).toMatch(/at least 512 KiB of 1 MiB \(walk stopped early\)/);
  });

  it('judges the filesystem holding the path by max_used_percent', async () => {
    const over = await run({ max_used_percent: 0.0001 });
    expect(over).toMatchObject({ ok: false, degraded: true });
    expect(over.message).toMatch(/filesystem used [\d.]+% over 0.0001%/);
    expect(over.details?.usedPercent).toBeGreaterThan(0);
    // No size limit: the directory is not walked.
    expect(over.details?.bytes).toBeUndefined();
    expect((await run({ max_used_percent: 100 })).ok).toBe(true);
  });

  it('judges inodes by max_inodes_used_percent when the filesystem counts them', async () => {
    const r = await run({ max_inodes_used_percent: 100 });
    expect(r.ok).toBe(true);
    if (r.details?.inodesUsedPercent === null) expect(r.message).toMatch(/inodes used unknown/);
    else expect(r.details?.inodesUsedPercent).toBeGreaterThan(0);
  });

  it('follows a symlinked directory', async () => {
    symlinkSync(join(root, 'data'), join(root, 'link'));
    const r = await run({ max_size: '1GB' }, 'link');
    expect(r.ok).toBe(true);
    expect(r.details?.bytes).toBeGreaterThanOrEqual(96 * 1024);
  });

  it('is down, not degraded, for a missing path or a file', async () => {
    const missing = await run({ max_used_percent: 100 }, 'nope');
    expect(missing).toMatchObject({ ok: false, message: `no such directory: ${join(root, 'nope')}` });
    expect(missing.degraded).toBeUndefined();
    const file = await run({ max_used_percent: 100 }, 'data/a.bin');
    expect(file).toMatchObject({ ok: false, message: `${join(root, 'data', 'a.bin')} is not a directory` });
  });
});

describe('disk check schema', () => {
  it('parses sizes: SI and binary units, and plain bytes', () => {
    const size = (max_size: unknown) => check({ disk: { path: '.', max_size } }).disk?.max_size;
    expect(size('48MB')).toBe(48_000_000);
    expect(size('300MiB')).toBe(300 * 1024 * 1024);
    expect(size(4096)).toBe(4096);
    expect(() => size('90%')).toThrow(/a size such as 48MB/);
    expect(() => size(0)).toThrow();
  });

  it('refuses a disk check with no limit, naming the field and its line', () => {
    const yaml = 'services:\n  api:\n    checks:\n      - disk: { path: ./data }\n';
    let err: unknown;
    try {
      parseConfig(yaml, 'medic.yaml');
    } catch (e) {
      err = e;
    }
    expect(err).toBeInstanceOf(ConfigError);
    expect((err as ConfigError).issues).toEqual([
      expect.objectContaining({
        line: 4,
        path: 'services.api.checks[0].disk',
        message: 'give at least one of max_size, max_used_percent, max_inodes_used_percent',
      }),
    ]);
  });
});
