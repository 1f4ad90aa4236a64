import { createHash } from 'node:crypto';
import { MedicError } from '../core/index.js';

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

/** The name of a content blob, and how a record's content is checked. */
export function sha256(data: Buffer | string): string {
  return createHash('sha256').update(data).digest('hex');
}
