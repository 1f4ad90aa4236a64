import { mkdirSync, readFileSync, renameSync, writeFileSync } from 'node:fs';
import { dirname } from 'node:path';
import { PRIVATE_FILE_MODE } from '../../core/index.js';

/** Where a tailer is in a file: the file's identity (device and inode survive a rename) and a byte offset. */
export interface TailPosition {
  dev: number;
  ino: number;
  offset: number;
}

export interface OffsetStore {
  load(): TailPosition | null;
  save(pos: TailPosition): void;
}

/**
 * The position in a small JSON file, replaced atomically (write a temporary file, then rename over the old
 * one), so a crash leaves either the old position or the new one, never half of one.
 */
export class FileOffsetStore implements OffsetStore {
  constructor(readonly file: string) {}

  load(): TailPosition | null {
    try {
      const v = JSON.parse(readFileSync(this.file, 'utf8')) as Partial<TailPosition>;
      if (typeof v.dev === 'number' && typeof v.ino === 'number' && typeof v.offset === 'number')
        return { dev: v.dev, ino: v.ino, offset: v.offset };
      return null;
    } catch {
      return null;
    }
  }

  save(pos: TailPosition): void {
    mkdirSync(dirname(this.file), { recursive: true });
    const tmp = `${this.file}.${process.pid}.tmp`;
    writeFileSync(tmp, JSON.stringify(pos), { mode: PRIVATE_FILE_MODE });
    renameSync(tmp, this.file);
  }
}

export class MemoryOffsetStore implements OffsetStore {
  constructor(public position: TailPosition | null = null) {}
  load(): TailPosition | null {
    return this.position;
  }
  save(pos: TailPosition): void {
    this.position = { ...pos };
  }
}
