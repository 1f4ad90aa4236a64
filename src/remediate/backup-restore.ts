import fs from 'node:fs/promises';
import path from 'node:path';
import { resolveReal } from './backup-read.js';
import { BackupError, type BackupRecord, sha256 } from './backup-record.js';
import { checkDirs, type FileRules } from './safe-path.js';
import { type FileOwner, fsyncDir, writeAtomic } from './write-atomic.js';

/**
 * Puts the file back as the record has it, byte for byte, with its mode and owner, its content read from
 * `blobs`; removes it if it was absent. A symlink stays a symlink: its target is what is written.
 */
export async function restoreRecord(rec: BackupRecord, blobs: string, files: () => FileRules): Promise<void> {
  const target = await resolveReal(rec.path);
  await checkSamePlace(rec, target, files);
  if (!rec.exists || rec.hash === null) {
    await fs.rm(target, { force: true });
    await fsyncDir(path.dirname(target));
    return;
  }
  const data = await fs.readFile(path.join(blobs, rec.hash)).catch((err: unknown) => {
    throw new BackupError(`backup ${rec.id}: its content ${rec.hash} is missing`, { cause: err });
  });
  if (sha256(data) !== rec.hash) throw new BackupError(`backup ${rec.id}: its content is corrupt`);
  await writeAtomic(target, data, rec.mode ?? 0o644, ownerOf(rec));
}

/**
 * Refuses a restore that would write somewhere else than what was backed up: the path now resolves
 * elsewhere (a link was put in its place or above it), its directory was replaced, or the file there is
 * a link, is on another device, or is another file of another user.
 */
async function checkSamePlace(rec: BackupRecord, target: string, files: () => FileRules): Promise<void> {
  const refuse = (why: string) => {
    throw new BackupError(`refused to restore ${rec.path} (${rec.id}): ${why}`);
  };
  if (rec.realpath !== undefined && rec.realpath !== target)
    refuse(`it now leads to ${target}, not ${rec.realpath} as when it was backed up`);
  try {
    checkDirs(target, files());
  } catch (err) {
    refuse((err as Error).message);
  }
  if (rec.dirDev !== undefined) {
    const d = await fs.stat(path.dirname(target)).catch(() => null);
    if (!d || d.dev !== rec.dirDev || d.ino !== rec.dirIno)
      refuse(`its directory ${path.dirname(target)} was replaced`);
  }
  const cur = await fs.lstat(target).catch(() => null);
  if (!cur) return;
  if (!cur.isFile()) refuse('it is not a regular file now');
  if (typeof rec.dev === 'number' && cur.dev !== rec.dev) refuse('it is on another device now');
  // Another inode is the file saved anew (editors and Medic write by rename); of another user than its
  // owner, root or Medic, it is someone else's file put in its place.
  const trusted = [rec.uid, 0, process.geteuid?.() ?? 0];
  if (typeof rec.ino === 'number' && cur.ino !== rec.ino && !trusted.includes(cur.uid))
    refuse(`it was replaced by a file of another user (uid ${cur.uid}, was ${rec.uid})`);
}

/** The owner a record asks for; none for a record written before owners were recorded. */
function ownerOf(rec: BackupRecord): FileOwner | undefined {
  return typeof rec.uid === 'number' && typeof rec.gid === 'number'
    ? { uid: rec.uid, gid: rec.gid }
    : undefined;
}
