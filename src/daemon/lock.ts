import { mkdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { MedicError } from '../core/index.js';

/**
 * One Medic per data directory: a second one would fight the first over supervised services, their ports
 * and pidfiles. A lock left by a Medic that was killed is taken over.
 */
export function lockDataDir(dataDir: string): () => void {
  mkdirSync(dataDir, { recursive: true });
  const file = path.join(dataDir, 'medic.lock');
  for (let attempt = 0; attempt < 2; attempt++) {
    try {
      writeFileSync(file, JSON.stringify({ pid: process.pid, startedAt: new Date().toISOString() }), {
        flag: 'wx',
      });
      return () => rmSync(file, { force: true });
    } catch (err) {
      if ((err as NodeJS.ErrnoException).code !== 'EEXIST') throw err;
      const holder = readHolder(file);
      if (holder !== null && holder !== process.pid && alive(holder)) {
        throw new MedicError(
          'locked',
          `another Medic (pid ${holder}) is using ${dataDir}: stop it first, or give this one its own store.dir / --data-dir`,
        );
      }
      rmSync(file, { force: true });
    }
  }
  throw new MedicError('locked', `cannot lock ${dataDir}`);
}

function readHolder(file: string): number | null {
  try {
    const pid = Number((JSON.parse(readFileSync(file, 'utf8')) as { pid?: unknown }).pid);
    return Number.isInteger(pid) && pid > 0 ? pid : null;
  } catch {
    return null;
  }
}

function alive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch (err) {
    return (err as NodeJS.ErrnoException).code === 'EPERM';
  }
}
