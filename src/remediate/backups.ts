import { randomBytes } from 'node:crypto';
import { constants as fsConstants } from 'node:fs';
import fs from 'node:fs/promises';
import path from 'node:path';
import type { Clock } from '../core/index.js';
import { NotFoundError, RealClock } from '../core/index.js';
import { pruneBackups } from './backup-prune.js';
import { readForBackup } from './backup-read.js';
import {
  BackupError,
  type BackupMeta,
  type BackupRecord,
  type RetentionPolicy,
  sha256,
} from './backup-record.js';
import { restoreRecord } from './backup-restore.js';
import { type FileRules, NO_EXCEPTIONS } from './safe-path.js';
import { fsyncDir, writeAtomic } from './write-atomic.js';

export interface BackupsOptions {
  /** Medic's data directory; backups go to `<dataDir>/backups`. */
  dataDir: string;
  clock?: Clock;
  /** Files larger than this are refused (default 64 MiB): a backup is read into memory. */
  maxBytes?: number;
  /** `policy.files` now (shared directories allowed): read at each backup and restore. */
  files?: () => FileRules;
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
        const { hash } = await readForBackup(abs, this.files(), this.maxBytes);
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
      await restoreRecord(rec, this.blobs, this.files);
      return rec;
    });
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
    return this.serial(async () =>
      pruneBackups({ meta: this.meta, blobs: this.blobs }, await this.list(), policy, this.clock.now()),
    );
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
    const { data, mode, uid, gid, hash, id } = await readForBackup(abs, this.files(), this.maxBytes);
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

async function exists(p: string): Promise<boolean> {
  try {
    await fs.access(p, fsConstants.F_OK);
    return true;
  } catch {
    return false;
  }
}
