import { randomBytes } from 'node:crypto';
import fs from 'node:fs/promises';
import path from 'node:path';

export interface FileOwner {
  uid: number;
  gid: number;
}

/**
 * Replaces `file` with `data` so that a reader, or a crash, sees the old content or the new, never a part:
 * write a temporary file beside it, fsync it, rename it over the file, fsync the directory.
 *
 * `file` is the path renamed over: a caller replacing a file that may be a symlink resolves it first
 * (fs.realpath), or the link is replaced by a regular file. With `owner`, the temporary file is given
 * that uid/gid before the rename (as root; a user who may not chown keeps the file as its own).
 */
export async function writeAtomic(
  file: string,
  data: Buffer | string,
  mode = 0o644,
  owner?: FileOwner,
): Promise<void> {
  const dir = path.dirname(file);
  const tmp = path.join(dir, `.${path.basename(file)}.tmp-${process.pid}-${randomBytes(4).toString('hex')}`);
  const h = await fs.open(tmp, 'wx', mode);
  try {
    await h.writeFile(data);
    if (owner) {
      // Before chmod: a chown clears the set-user-ID and set-group-ID bits.
      await h.chown(owner.uid, owner.gid).catch((err: NodeJS.ErrnoException) => {
        if (err.code !== 'EPERM') throw err;
      });
    }
    await h.chmod(mode); // the umask may have narrowed it
    await h.sync();
  } catch (err) {
    await h.close();
    await fs.rm(tmp, { force: true });
    throw err;
  }
  await h.close();
  try {
    await fs.rename(tmp, file);
  } catch (err) {
    await fs.rm(tmp, { force: true });
    throw err;
  }
  await fsyncDir(dir);
}

/** Makes a directory's entries (a rename, a removal) durable. */
export async function fsyncDir(dir: string): Promise<void> {
  const h = await fs.open(dir, 'r');
  try {
    await h.sync();
  } finally {
    await h.close();
  }
}
