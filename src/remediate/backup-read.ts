import { constants as fsConstants } from 'node:fs';
import fs from 'node:fs/promises';
import path from 'node:path';
import { BackupError, type BackupRecord, sha256 } from './backup-record.js';
import { checkDirs, type FileRules } from './safe-path.js';

/** A file as a backup takes it: content, mode, owner and where it is (null content: the file is missing). */
export interface FileSnapshot {
  data: Buffer | null;
  mode: number | null;
  uid: number | null;
  gid: number | null;
  hash: string | null;
  id: Pick<BackupRecord, 'realpath' | 'dev' | 'ino' | 'dirDev' | 'dirIno'>;
}

/**
 * Reads the file where the path leads now, without following a link in its last step (O_NOFOLLOW), and
 * where it leads: the identity a restore checks. Refuses a file in a directory the rules forbid, one that
 * is not a regular file, and one larger than `maxBytes` (a backup is read into memory).
 */
export async function readForBackup(abs: string, rules: FileRules, maxBytes: number): Promise<FileSnapshot> {
  const fail = (err: unknown): never => {
    throw new BackupError(`cannot back up ${abs}: ${(err as Error).message}`, { cause: err });
  };
  const real = await resolveReal(abs);
  try {
    checkDirs(real, rules);
  } catch (err) {
    fail(err);
  }
  const dir = await fs.stat(path.dirname(real)).catch(fail);
  const place = { realpath: real, dirDev: dir.dev, dirIno: dir.ino };
  let h: fs.FileHandle;
  try {
    h = await fs.open(real, fsConstants.O_RDONLY | fsConstants.O_NOFOLLOW);
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code === 'ENOENT')
      return {
        data: null,
        mode: null,
        uid: null,
        gid: null,
        hash: null,
        id: { ...place, dev: null, ino: null },
      };
    return fail(err);
  }
  try {
    const st = await h.stat();
    if (!st.isFile()) throw new BackupError(`cannot back up ${abs}: not a regular file`);
    if (st.size > maxBytes) throw new BackupError(`cannot back up ${abs}: larger than ${maxBytes} bytes`);
    const data = await h.readFile();
    return {
      data,
      mode: st.mode & 0o7777,
      uid: st.uid,
      gid: st.gid,
      hash: sha256(data),
      id: { ...place, dev: st.dev, ino: st.ino },
    };
  } finally {
    await h.close();
  }
}

/** Where a path leads, links resolved; for a missing file, its directory resolved and its name. */
export async function resolveReal(p: string): Promise<string> {
  try {
    return await fs.realpath(p);
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code !== 'ENOENT') return p;
    const dir = await fs.realpath(path.dirname(p)).catch(() => path.dirname(p));
    return path.join(dir, path.basename(p));
  }
}
