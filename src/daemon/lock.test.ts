import { type ChildProcess, spawn } from 'node:child_process';
import { readdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { tempDirSync } from '../core/temp-dir.fixture.js';
import { currentBootId, processStartTime } from '../sources/pidfiles.js';
import { lockDataDir } from './lock.js';

const lockModule = fileURLToPath(new URL('./lock.ts', import.meta.url));
const projectRoot = fileURLToPath(new URL('../..', import.meta.url));

let dataDir: string;
const children: ChildProcess[] = [];

beforeEach(() => {
  dataDir = tempDirSync('medic-lock-');
});

afterEach(() => {
  for (const c of children.splice(0)) c.kill('SIGKILL');
});

function started(child: ChildProcess, ready?: string): Promise<number> {
  children.push(child);
  return new Promise((resolve, reject) => {
    child.once('error', reject);
    child.once('exit', (code) => reject(new Error(`child exited ${code} before it was ready`)));
    if (ready === undefined) child.once('spawn', () => resolve(child.pid as number));
    else
      child.stdout?.on('data', (d: Buffer) => {
        if (d.toString().includes(ready)) resolve(child.pid as number);
      });
  });
}

/** A plain node process that does nothing (argv: node -e ...). */
const idleNode = () =>
  started(spawn(process.execPath, ['-e', 'setInterval(() => {}, 1000)'], { stdio: 'ignore' }));

const lockFile = () => join(dataDir, 'medic.lock');
const writeLock = (holder: Record<string, unknown>) => writeFileSync(lockFile(), JSON.stringify(holder));
const identity = (pid: number) => ({ pid, startTime: processStartTime(pid), bootId: currentBootId() });

describe('lockDataDir', () => {
  it('records pid, start time and boot id, leaves no temporary file, and releases', () => {
    const release = lockDataDir(dataDir);
    expect(JSON.parse(readFileSync(lockFile(), 'utf8'))).toMatchObject(identity(process.pid));
    expect(readdirSync(dataDir)).toEqual(['medic.lock']);
    release();
    expect(readdirSync(dataDir)).toEqual([]);
  });

  it('refuses while another Medic process holds the lock, and takes it over once that one was killed', async () => {
    const script = `import { lockDataDir } from ${JSON.stringify(lockModule)};
      lockDataDir(${JSON.stringify(dataDir)}); console.log('locked'); setInterval(() => {}, 1000);`;
    const child = spawn(process.execPath, ['--import', 'tsx', '--input-type=module', '-e', script], {
      cwd: projectRoot,
      stdio: ['ignore', 'pipe', 'inherit'],
    });
    const pid = await started(child, 'locked');
    expect(JSON.parse(readFileSync(lockFile(), 'utf8'))).toMatchObject(identity(pid));
    expect(() => lockDataDir(dataDir)).toThrow(`another Medic (pid ${pid})`);

    const exited = new Promise((r) => child.once('exit', r));
    child.kill('SIGKILL');
    await exited;
    const release = lockDataDir(dataDir);
    expect(JSON.parse(readFileSync(lockFile(), 'utf8')).pid).toBe(process.pid);
    release();
  }, 30_000);

  it('takes over a lock whose pid now belongs to a program that is not node', async () => {
    const pid = await started(spawn('sleep', ['30'], { stdio: 'ignore' }));
    writeLock(identity(pid));
    const release = lockDataDir(dataDir);
    expect(JSON.parse(readFileSync(lockFile(), 'utf8')).pid).toBe(process.pid);
    release();
  });

  it('takes over a lock whose pid is a live node process started at another time, or in another boot', async () => {
    const pid = await idleNode();
    writeLock({ ...identity(pid), startTime: processStartTime(pid)! - 1 });
    lockDataDir(dataDir)();

    writeLock({ ...identity(pid), bootId: '00000000-0000-0000-0000-000000000000' });
    lockDataDir(dataDir)();

    // The very same process is a live holder.
    writeLock(identity(pid));
    expect(() => lockDataDir(dataDir)).toThrow(`another Medic (pid ${pid})`);
  });

  it('never deletes a lock it finds still empty', () => {
    writeFileSync(lockFile(), '');
    expect(() => lockDataDir(dataDir)).toThrow(/being written/);
    expect(readFileSync(lockFile(), 'utf8')).toBe('');
  });

  it('releases only its own lock', async () => {
    const release = lockDataDir(dataDir);
    const pid = await idleNode();
    writeLock(identity(pid)); // Someone took it over meanwhile.
    release();
    expect(JSON.parse(readFileSync(lockFile(), 'utf8')).pid).toBe(pid);
  });
});
