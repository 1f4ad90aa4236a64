import { type ChildProcess, spawn } from 'node:child_process';
import { existsSync, readdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { RealClock } from '../core/index.js';
import { tempDirSync } from '../core/temp-dir.fixture.js';
import {
  currentBootId,
  pidfilePath,
  processStartTime,
  readPidfile,
  reapOrphan,
  writePidfile,
} from './pidfiles.js';
import { isAlive } from './probes/procfs.js';

let dataDir: string;
const children: ChildProcess[] = [];

beforeEach(() => {
  dataDir = tempDirSync('medic-pidfiles-');
});

afterEach(() => {
  for (const c of children.splice(0)) c.kill('SIGKILL');
});

/** A live `sleep 30` in its own process group, as the supervisor starts services. */
async function sleeper(): Promise<{ pid: number; argv: string[] }> {
  const argv = ['sleep', '30'];
  const child = spawn(argv[0]!, argv.slice(1), { stdio: 'ignore', detached: true });
  children.push(child);
  await new Promise((ok) => child.once('spawn', ok));
  const pid = child.pid as number;
  const end = Date.now() + 5_000;
  while (JSON.stringify((await readCmdlineSafe(pid)) ?? []) !== JSON.stringify(argv)) {
    if (Date.now() > end) throw new Error('sleep did not start');
    await sleep(10);
  }
  return { pid, argv };
}

async function readCmdlineSafe(pid: number): Promise<string[] | null> {
  try {
    return readFileSync(`/proc/${pid}/cmdline`, 'utf8').split('\0').filter(Boolean);
  } catch {
    return null;
  }
}

const clock = new RealClock();

describe('pidfiles', () => {
  it('records pid, argv, start time and boot id, written atomically', async () => {
    const { pid, argv } = await sleeper();
    const file = pidfilePath(dataDir, 'api');
    writePidfile(file, { pid, argv });
    const rec = JSON.parse(readFileSync(file, 'utf8'));
    expect(rec).toEqual({ pid, argv, startTime: processStartTime(pid), bootId: currentBootId() });
    expect(rec.startTime).toBeGreaterThan(0);
    expect(rec.bootId).toMatch(/^[0-9a-f-]{36}$/);
    // No temporary file is left beside it.
    expect(readdirSync(join(dataDir, 'pids'))).toEqual(['api.pid']);
  });

  it('reaps a process only when pid, start time, boot id and argv all match', async () => {
    const { pid, argv } = await sleeper();
    const file = pidfilePath(dataDir, 'api');
    writePidfile(file, { pid, argv });
    expect(await reapOrphan(clock, file, argv, { log: () => {} })).toBe(pid);
    expect(await isAlive(pid)).toBe(false);
    expect(existsSync(file)).toBe(false);
  });

  it('leaves alone a live process whose argv matches but whose start time differs (a reused pid)', async () => {
    const { pid, argv } = await sleeper();
    const file = pidfilePath(dataDir, 'api');
    const startTime = processStartTime(pid)!;
    writePidfile(file, { pid, argv, startTime: startTime - 1 });
    const logs: string[] = [];
    expect(await reapOrphan(clock, file, argv, { log: (m) => logs.push(m) })).toBeNull();
    await sleep(50);
    expect(await isAlive(pid)).toBe(true);
    expect(existsSync(file)).toBe(false);
    expect(logs.join('\n')).toMatch(/reused/);
  });

  it('leaves alone a matching process recorded under another boot', async () => {
    const { pid, argv } = await sleeper();
    const file = pidfilePath(dataDir, 'api');
    writePidfile(file, { pid, argv, bootId: '00000000-0000-0000-0000-000000000000' });
    expect(await reapOrphan(clock, file, argv, { log: () => {} })).toBeNull();
    await sleep(50);
    expect(await isAlive(pid)).toBe(true);
    expect(existsSync(file)).toBe(false);
  });

  it('never kills on an old pidfile without start time or boot id: logs and removes it', async () => {
    const { pid, argv } = await sleeper();
    const file = pidfilePath(dataDir, 'api');
    writePidfile(file, { pid, argv }); // creates the directory
    writeFileSync(file, `${JSON.stringify({ pid, argv })}\n`);
    expect(readPidfile(file)).toEqual({ pid, argv, startTime: null, bootId: null });
    const logs: string[] = [];
    expect(await reapOrphan(clock, file, argv, { log: (m) => logs.push(m) })).toBeNull();
    await sleep(50);
    expect(await isAlive(pid)).toBe(true);
    expect(existsSync(file)).toBe(false);
    expect(logs).toHaveLength(1);
    expect(logs[0]).toMatch(/no start time or boot id/);
  });
});
