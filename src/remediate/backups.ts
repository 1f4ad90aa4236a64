import { createHash, randomBytes } from 'node:crypto';
import { constants as fsConstants } from 'node:fs';
import fs from 'node:fs/promises';
import path from 'node:path';
import type { Clock } from '../core/index.js';
import { MedicError, NotFoundError, RealClock } from '../core/index.js';
import { checkDirs, type FileRules, NO_EXCEPTIONS } from './safe-path.js';

/** One file as it was before a change. Content lives in a blob named by its sha256. */
export interface BackupRecord {
  id: string;
  actionId: string | null;
  /** Absolute path of the file. */
  path: string;
  /** False when the file did not exist: restoring removes it. */
  exists: boolean;
  /** Permission bits (e.g. 0o644); null when the file did not exist. */
  mode: number | null;
  /** Owner and group; null when the file did not exist (and absent from records written by older versions). */
  uid?: number | null;
  gid?: number | null;
  /**
   * Where the path led when it was backed up (symlinks resolved), the file's device and inode, and its
   * directory's: a restore refuses to write where the path leads now if any of them tells another place.
   * Absent from records written by older versions.
   */
  realpath?: string;
  dev?: number | null;
  ino?: number | null;
  dirDev?: number;
  dirIno?: number;
  size: number;
  /** sha256 of the content, hex; null when the file did not exist. */
  hash: string | null;
  createdAt: number;
  /** Creation order within this data directory (ties of createdAt under a simulated clock). */
  seq: number;
  incidentId: string | null;
  reason: string | null;
  confidence: number | null;
  /** The service was verified healthy with this content: `config-rollback` may restore it. */
  good: boolean;
  goodAt: number | null;
}

export interface BackupMeta {
  incidentId?: string | null;
  reason?: string | null;
  confidence?: number | null;
}

export interface BackupsOptions {
  /** Medic's data directory; backups go to `<dataDir>/backups`. */
  dataDir: string;
  clock?: Clock;
  /** Files larger than this are refused (default 64 MiB): a backup is read into memory. */
  maxBytes?: number;
  /** `policy.files` now (shared directories allowed): read at each backup and restore. */
  files?: () => FileRules;
}

export interface RetentionPolicy {
  /** Records older than this go (the last known good version of each path always stays). */
  maxAgeMs?: number;
  /** At most this many records per path, newest kept. */
  keepPerPath?: number;
}

export class BackupError extends MedicError {
  constructor(message: string, options?: { cause?: unknown }) {
    super('backup_failed', message, options);
  }
}

const ID = /^bak_[0-9a-z]+$/;

/**
 * Content-addressed backups under `<dataDir>/backups`: `blobs/<sha256>` holds content (shared by equal
 * versions), `meta/<id>.json` one record per file. Every write is a temporary file, fsync, rename, fsync of
 * the directory: a record that exists is complete and so is its blob, whenever the process dies.
 */
export class Backups {
  readonly root: string;
  private readonly blobs: string;
  private readonly meta: string;
  private readonly clock: Clock;
  private readonly maxBytes: number;
  private readonly files: () => FileRules;
  private lock: Promise<unknown> = Promise.resolve();
  private ready: Promise<void> | null = null;

  constructor(opts: BackupsOptions) {
    this.root = path.join(path.resolve(opts.dataDir), 'backups');
    this.blobs = path.join(this.root, 'blobs');
    this.meta = path.join(this.root, 'meta');
    this.clock = opts.clock ?? new RealClock();
    this.maxBytes = opts.maxBytes ?? 64 * 1024 * 1024;
    this.files = opts.files ?? (() => NO_EXCEPTIONS);
  }

  /** Backs up each file as it is now (a missing file is recorded as missing). Resolves once durable. */
  backup(paths: readonly string[], actionId: string | null, meta: BackupMeta = {}): Promise<BackupRecord[]> {
    return this.serial(async () => {
      await this.init();
      let seq = await this.nextSeq();
      const out: BackupRecord[] = [];
      for (const p of paths) out.push(await this.write(p, actionId, meta, seq++, false));
      return out;
    });
  }

  /**
   * Records the current content of each file as known good (after a verified heal, or while a service is
   * healthy). Content already recorded good for that path is not recorded again.
   */
  captureGood(
    paths: readonly string[],
    actionId: string | null,
    meta: BackupMeta = {},
  ): Promise<BackupRecord[]> {
    return this.serial(async () => {
      await this.init();
      let seq = await this.nextSeq();
      const out: BackupRecord[] = [];
      for (const p of paths) {
        const abs = path.resolve(p);
        const { hash } = await this.read(abs);
        const last = await this.lastGood(abs);
        if (last && last.hash === hash) out.push(last);
        else out.push(await this.write(abs, actionId, meta, seq++, true));
      }
      return out;
    });
  }

  /**
   * Puts the file back as the record has it, byte for byte, with its mode and owner; removes it if it was
   * absent. A symlink stays a symlink: its target is what is written.
   */
  restore(backupId: string): Promise<BackupRecord> {
    return this.serial(async () => {
      const rec = await this.get(backupId);
      const target = await resolveReal(rec.path);
      await this.checkSamePlace(rec, target);
      if (!rec.exists || rec.hash === null) {
        await fs.rm(target, { force: true });
        await fsyncDir(path.dirname(target));
        return rec;
      }
      const data = await fs.readFile(path.join(this.blobs, rec.hash)).catch((err: unknown) => {
        throw new BackupError(`backup ${rec.id}: its content ${rec.hash} is missing`, { cause: err });
      });
      if (sha256(data) !== rec.hash) throw new BackupError(`backup ${rec.id}: its content is corrupt`);
      await writeAtomic(target, data, rec.mode ?? 0o644, ownerOf(rec));
      return rec;
    });
  }

  /**
   * Refuses a restore that would write somewhere else than what was backed up: the path now resolves
   * elsewhere (a link was put in its place or above it), its directory was replaced, or the file there is
   * a link, is on another device, or is another file of another user.
   */
  private async checkSamePlace(rec: BackupRecord, target: string): Promise<void> {
    const refuse = (why: string) => {
      throw new BackupError(`refused to restore ${rec.path} (${rec.id}): ${why}`);
    };
    if (rec.realpath !== undefined && rec.realpath !== target)
      refuse(`it now leads to ${target}, not ${rec.realpath} as when it was backed up`);
    try {
      checkDirs(target, this.files());
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

  async get(backupId: string): Promise<BackupRecord> {
    if (!ID.test(backupId)) throw new NotFoundError(`backup ${backupId}`);
    try {
      return JSON.parse(await fs.readFile(path.join(this.meta, `${backupId}.json`), 'utf8')) as BackupRecord;
    } catch (err) {
      if ((err as NodeJS.ErrnoException).code === 'ENOENT') throw new NotFoundError(`backup ${backupId}`);
      throw err;
    }
  }

  /** The content a record keeps (null: the file did not exist); checked against its hash. */
  async content(rec: Pick<BackupRecord, 'id' | 'hash'>): Promise<Buffer | null> {
    if (rec.hash === null) return null;
    const data = await fs.readFile(path.join(this.blobs, rec.hash));
    if (sha256(data) !== rec.hash) throw new BackupError(`backup ${rec.id}: its content is corrupt`);
    return data;
  }

  /** Every record, newest first; `path` narrows to one file. */
  async list(filter: { path?: string; actionId?: string } = {}): Promise<BackupRecord[]> {
    let names: string[];
    try {
      names = await fs.readdir(this.meta);
    } catch (err) {
      if ((err as NodeJS.ErrnoException).code === 'ENOENT') return [];
      throw err;
    }
    const want = filter.path === undefined ? null : path.resolve(filter.path);
    const out: BackupRecord[] = [];
    for (const n of names) {
      // Temporary files of a write a crash interrupted are not records.
      if (!n.endsWith('.json') || !ID.test(n.slice(0, -5))) continue;
      const rec = JSON.parse(await fs.readFile(path.join(this.meta, n), 'utf8')) as BackupRecord;
      if (want !== null && rec.path !== want) continue;
      if (filter.actionId !== undefined && rec.actionId !== filter.actionId) continue;
      out.push(rec);
    }
    return out.sort((a, b) => b.seq - a.seq);
  }

  /** Marks a record's content known good: the service was verified healthy with it. */
  markGood(backupId: string): Promise<BackupRecord> {
    return this.serial(async () => {
      const rec = await this.get(backupId);
      if (rec.good) return rec;
      const next: BackupRecord = { ...rec, good: true, goodAt: this.clock.now() };
      await writeAtomic(
        path.join(this.meta, `${rec.id}.json`),
        Buffer.from(JSON.stringify(next, null, 2)),
        0o600,
      );
      return next;
    });
  }

  /** The newest version of the file marked good, or null. */
  lastKnownGood(file: string): Promise<BackupRecord | null> {
    return this.lastGood(path.resolve(file));
  }

  /** Applies a retention policy; blobs no record uses any more go too. Never drops a last known good. */
  prune(policy: RetentionPolicy): Promise<{ records: number; blobs: number }> {
    return this.serial(async () => {
      const all = await this.list();
      const now = this.clock.now();
      const keepGood = new Set<string>();
      const perPath = new Map<string, number>();
      for (const r of all) {
        if (r.good && !keepGood.has(`path:${r.path}`)) {
          keepGood.add(`path:${r.path}`);
          keepGood.add(r.id);
        }
      }
      let records = 0;
      const kept: BackupRecord[] = [];
      for (const r of all) {
        const n = (perPath.get(r.path) ?? 0) + 1;
        perPath.set(r.path, n);
        const old = policy.maxAgeMs !== undefined && now - r.createdAt > policy.maxAgeMs;
        const many = policy.keepPerPath !== undefined && n > policy.keepPerPath;
        if ((old || many) && !keepGood.has(r.id)) {
          await fs.rm(path.join(this.meta, `${r.id}.json`), { force: true });
          records++;
        } else kept.push(r);
      }
      const used = new Set(kept.map((r) => r.hash));
      let blobs = 0;
      for (const b of await fs.readdir(this.blobs).catch(() => [] as string[])) {
        if (!used.has(b)) {
          await fs.rm(path.join(this.blobs, b), { force: true });
          blobs++;
        }
      }
      if (records > 0) await fsyncDir(this.meta);
      return { records, blobs };
    });
  }

  private async lastGood(abs: string): Promise<BackupRecord | null> {
    const good = (await this.list({ path: abs })).filter((r) => r.good);
    good.sort((a, b) => (b.goodAt ?? 0) - (a.goodAt ?? 0) || b.seq - a.seq);
    return good[0] ?? null;
  }

  private async write(
    p: string,
    actionId: string | null,
    meta: BackupMeta,
    seq: number,
    good: boolean,
  ): Promise<BackupRecord> {
    const abs = path.resolve(p);
    const { data, mode, uid, gid, hash, id } = await this.read(abs);
    if (data !== null && hash !== null) {
      const blob = path.join(this.blobs, hash);
      // A blob that exists is complete: it was renamed into place only after its fsync.
      if (!(await exists(blob))) await writeAtomic(blob, data, 0o600);
    }
    const now = this.clock.now();
    const rec: BackupRecord = {
      id: `bak_${now.toString(36)}${seq.toString(36).padStart(4, '0')}${randomBytes(4).toString('hex')}`,
      actionId,
      path: abs,
      exists: data !== null,
      mode,
      uid,
      gid,
      ...id,
      size: data?.length ?? 0,
      hash,
      createdAt: now,
      seq,
      incidentId: meta.incidentId ?? null,
      reason: meta.reason ?? null,
      confidence: meta.confidence ?? null,
      good,
      goodAt: good ? now : null,
    };
    await writeAtomic(
      path.join(this.meta, `${rec.id}.json`),
      Buffer.from(JSON.stringify(rec, null, 2)),
      0o600,
    );
    return rec;
  }

  /**
   * Reads the file where the path leads now, without following a link in its last step (O_NOFOLLOW), and
   * where it leads: the identity a restore checks.
   */
  private async read(abs: string): Promise<{
    data: Buffer | null;
    mode: number | null;
    uid: number | null;
    gid: number | null;
    hash: string | null;
    id: Pick<BackupRecord, 'realpath' | 'dev' | 'ino' | 'dirDev' | 'dirIno'>;
  }> {
    const fail = (err: unknown): never => {
      throw new BackupError(`cannot back up ${abs}: ${(err as Error).message}`, { cause: err });
    };
    const real = await resolveReal(abs);
    try {
      checkDirs(real, this.files());
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
      if (st.size > this.maxBytes)
        throw new BackupError(`cannot back up ${abs}: larger than ${this.maxBytes} bytes`);
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

  private async nextSeq(): Promise<number> {
    const all = await this.list();
    return (all[0]?.seq ?? 0) + 1;
  }

  private init(): Promise<void> {
    this.ready ??= (async () => {
      // Backups hold config files, secrets included: private like the rest of the data directory.
      await fs.mkdir(this.blobs, { recursive: true, mode: 0o700 });
      await fs.mkdir(this.meta, { recursive: true, mode: 0o700 });
      await fsyncDir(this.root);
    })().catch((err: unknown) => {
      this.ready = null;
      throw err;
    });
    return this.ready;
  }

  /** One write at a time in this process: sequence numbers and good marks never race. */
  private serial<T>(task: () => Promise<T>): Promise<T> {
    const next = this.lock.then(task, task);
    this.lock = next.catch(() => undefined);
    return next;
  }
}

export function sha256(data: Buffer | string): string {
  return createHash('sha256').update(data).digest('hex');
}

async function exists(p: string): Promise<boolean> {
  try {
    await fs.access(p, fsConstants.F_OK);
    return true;
  } catch {
    return false;
  }
}

/** The owner a record asks for; none for a record written before owners were recorded. */
function ownerOf(rec: BackupRecord): FileOwner | undefined {
  return typeof rec.uid === 'number' && typeof rec.gid === 'number'
    ? { uid: rec.uid, gid: rec.gid }
    : undefined;
}

/** Where a path leads, links resolved; for a missing file, its directory resolved and its name. */
async function resolveReal(p: string): Promise<string> {
  try {
    return await fs.realpath(p);
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code !== 'ENOENT') return p;
    const dir = await fs.realpath(path.dirname(p)).catch(() => path.dirname(p));
    return path.join(dir, path.basename(p));
  }
}

async function fsyncDir(dir: string): Promise<void> {
  const h = await fs.open(dir, 'r');
  try {
    await h.sync();
  } finally {
    await h.close();
  }
}

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
