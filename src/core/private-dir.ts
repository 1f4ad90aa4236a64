import { chmodSync, closeSync, mkdirSync, openSync } from 'node:fs';

/**
 * Medic's data directory holds the journal, the audit log, backups of config files and API token hashes:
 * no other user may read it. Created 0711 (an existing one is set so), files in it 0600: others can neither
 * list it nor read its files, but may pass through it to a directory of their own inside (a service's data
 * directory under the store, as the example stack keeps PostgreSQL's, run as another user).
 */
export const PRIVATE_DIR_MODE = 0o711;
export const PRIVATE_FILE_MODE = 0o600;

export function ensurePrivateDir(dir: string): void {
  mkdirSync(dir, { recursive: true, mode: PRIVATE_DIR_MODE });
  chmodSync(dir, PRIVATE_DIR_MODE);
}

/** Creates `file` empty if missing and narrows it to 0600 (before a library opens it with its own mode). */
export function ensurePrivateFile(file: string): void {
  closeSync(openSync(file, 'a', PRIVATE_FILE_MODE));
  chmodSync(file, PRIVATE_FILE_MODE);
}
