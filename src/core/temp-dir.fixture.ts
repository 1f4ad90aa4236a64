/**
 * Temporary directories for tests (not part of the build). Each one made here is removed after its test file
 * (vitest's setup file `test/setup/temp-dirs.ts` calls `removeTempDirs` in an afterAll), so a test need not
 * remember to, and a failed test leaves nothing behind in the system's temp dir either.
 */
import { mkdtempSync } from 'node:fs';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

const made = new Set<string>();

/** A new, empty directory under the system's temp dir, removed after the test file. */
export async function tempDir(prefix = 'medic-test-'): Promise<string> {
  const dir = await mkdtemp(join(tmpdir(), prefix));
  made.add(dir);
  return dir;
}

/** `tempDir` for code that cannot wait (a describe body, a synchronous fixture). */
export function tempDirSync(prefix = 'medic-test-'): string {
  const dir = mkdtempSync(join(tmpdir(), prefix));
  made.add(dir);
  return dir;
}

/**
 * Removes every directory made so far. Retries: a child process a test stopped may still be closing a file
 * in it for a moment.
 */
export async function removeTempDirs(): Promise<void> {
  const dirs = [...made];
  made.clear();
  await Promise.all(dirs.map((d) => rm(d, { recursive: true, force: true, maxRetries: 5, retryDelay: 100 })));
}
