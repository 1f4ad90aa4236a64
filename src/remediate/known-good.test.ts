import { mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import pino from 'pino';
import { afterEach, describe, expect, it } from 'vitest';
import { parseConfig } from '../config/index.js';
import { type ServiceHealth, SimulatedClock } from '../core/index.js';
import { sha256 } from './backup-record.js';
import { Backups } from './backups.js';
import { KnownGood } from './known-good.js';

const dirs: string[] = [];
afterEach(async () => {
  for (const d of dirs.splice(0)) await rm(d, { recursive: true, force: true });
});

async function setup(knownGoodAfter = '30s') {
  const dir = await mkdtemp(path.join(os.tmpdir(), 'medic-known-good-'));
  dirs.push(dir);
  const file = path.join(dir, 'app.json');
  await writeFile(file, '{"v":1}\n');
  const loaded = parseConfig(
    `services:
  app:
    config_files: [app.json]
  other: {}
policy:
  known_good_after: ${knownGoodAfter}
`,
    path.join(dir, 'medic.yaml'),
  );
  const clock = new SimulatedClock();
  const backups = new Backups({ dataDir: path.join(dir, 'data'), clock });
  const health = new Map<string, ServiceHealth>();
  let busy = false;
  const kg = new KnownGood(
    {
      clock,
      config: () => loaded,
      logger: pino({ level: 'silent' }),
      health: (s) => health.get(s) ?? 'unknown',
    },
    backups,
    () => busy,
  );
  const set = async (to: ServiceHealth) => {
    health.set('app', to);
    kg.onHealth('app', to);
    await kg.idle();
  };
  const advance = async (ms: number) => {
    await clock.advance(ms);
    await kg.idle();
  };
  const goods = async () => (await backups.list({ path: file })).filter((r) => r.good);
  return { dir, file, clock, backups, kg, set, advance, goods, setBusy: (b: boolean) => (busy = b) };
}

describe('KnownGood: config files recorded while the service is healthy', () => {
  it('captures a file after known_good_after of continuous health, and not again while it is unchanged', async () => {
    const t = await setup();
    // A known good from before start-up: the first healthy stretch waits for the full window.
    await t.backups.captureGood([t.file], null);
    await writeFile(t.file, '{"v":2}\n');
    await t.set('healthy');
    await t.advance(29_999);
    expect((await t.goods()).map((r) => r.hash)).toEqual([sha256('{"v":1}\n')]);
    await t.advance(1);
    const good = await t.backups.lastKnownGood(t.file);
    expect(good).toMatchObject({ hash: sha256('{"v":2}\n'), good: true, actionId: null });
    expect(good?.reason).toMatch(/healthy for 30/);

    // Ten more healthy windows, the content unchanged: no new record.
    for (let i = 0; i < 10; i++) await t.advance(30_000);
    expect(await t.goods()).toHaveLength(2);
    expect((await t.backups.lastKnownGood(t.file))?.id).toBe(good?.id);
    t.kg.stop();
  });

  it('a health change ends the window; a file changed inside a window waits for a window of its own', async () => {
    const t = await setup();
    await t.backups.captureGood([t.file], null);
    await t.set('healthy');
    await t.advance(20_000);
    // Broken while "healthy" (the check has not failed yet), then the check fails: nothing captured.
    await writeFile(t.file, '{"v":-1}\n');
    await t.advance(10_000);
    expect(await t.goods()).toHaveLength(1);
    await t.set('down');
    await t.advance(120_000);
    expect(await t.goods()).toHaveLength(1);
    expect(t.clock.pending()).toBe(0);

    // Fixed by hand, healthy again; a 20-second blip of degraded health restarts the window.
    await writeFile(t.file, '{"v":3}\n');
    await t.set('healthy');
    await t.advance(20_000);
    await t.set('degraded');
    await t.set('healthy');
    await t.advance(20_000);
    expect(await t.goods()).toHaveLength(1);
    await t.advance(10_000);
    expect((await t.backups.lastKnownGood(t.file))?.hash).toBe(sha256('{"v":3}\n'));
    t.kg.stop();
  });

  it('waits while a heal runs', async () => {
    const t = await setup();
    await t.backups.captureGood([t.file], null);
    await writeFile(t.file, '{"v":4}\n');
    t.setBusy(true);
    await t.set('healthy');
    await t.advance(30_000);
    expect(await t.goods()).toHaveLength(1);
    t.setBusy(false);
    await t.advance(30_000);
    expect((await t.backups.lastKnownGood(t.file))?.hash).toBe(sha256('{"v":4}\n'));
    t.kg.stop();
  });

  it('at start-up, a file with no known good version yet is recorded as soon as the service turns healthy', async () => {
    const t = await setup();
    expect(await t.backups.lastKnownGood(t.file)).toBeNull();
    await t.set('healthy');
    const first = await t.backups.lastKnownGood(t.file);
    expect(first?.hash).toBe(sha256(await readFile(t.file)));
    expect(first?.reason).toMatch(/start-up/);
    // Only the first healthy turn: later ones wait for the window.
    await writeFile(t.file, '{"v":5}\n');
    await t.set('down');
    await t.set('healthy');
    expect(await t.goods()).toHaveLength(1);
    await t.advance(30_000);
    expect(await t.goods()).toHaveLength(2);
    t.kg.stop();
  });

  it('never records a missing file, nor anything for a service without config_files', async () => {
    const t = await setup('1s');
    await rm(t.file);
    await t.set('healthy');
    await t.advance(5_000);
    expect(await t.backups.list()).toHaveLength(0);
    t.kg.onHealth('other', 'healthy');
    await t.advance(5_000);
    expect(await t.backups.list()).toHaveLength(0);
    t.kg.stop();
    expect(t.clock.pending()).toBe(0);
  });
});
