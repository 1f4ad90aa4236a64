import { execFile } from 'node:child_process';
import { closeSync, constants, openSync } from 'node:fs';
import { mkdtemp, rm } from 'node:fs/promises';
import { Socket } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';

/**
 * A real pipe(2) for a child's output. Node's `stdio: 'pipe'` hands the child one end of a socketpair, and
 * a program that opens /dev/stdout or /dev/stderr (nginx, php-fpm or Apache set up to log there) then gets
 * ENXIO: a socket cannot be opened through /proc. Node has no pipe() call, and the npm packages that add
 * one are native builds; a FIFO is the same kernel object once its name is gone. So: mkfifo in a private
 * directory, open both ends, unlink the name. The child gets `writeFd` and the parent reads `readable`.
 */
export interface OsPipe {
  /** The read end, as a stream (EOF once every holder of the write end, grandchildren too, closed it). */
  readable: Socket;
  /** The write end, for `spawn`'s stdio; close it in the parent (`closeWriteEnds`) once spawned. */
  writeFd: number;
}

const run = promisify(execFile);

/** Creates `count` pipes. Rejects where mkfifo(1) is missing; callers fall back to Node's socketpairs. */
export async function osPipes(count: number): Promise<OsPipe[]> {
  // 0700 and a random name: no other user can open the FIFOs during the moment they have names.
  const dir = await mkdtemp(join(tmpdir(), 'medic-pipe-'));
  const out: OsPipe[] = [];
  try {
    const names = Array.from({ length: count }, (_, i) => join(dir, `p${i}`));
    await run('mkfifo', ['-m', '600', ...names]);
    for (const name of names) out.push(openPipe(name));
    return out;
  } catch (err) {
    // A Socket owns its read end: destroy it; closing that fd by number would leave the Socket to close
    // whatever file reuses the number later (EMFILE on the second pipe is the usual way here).
    closePipes(out);
    throw err;
  } finally {
    await rm(dir, { recursive: true, force: true });
  }
}

/** Both ends of one FIFO, or neither (an end already open is closed when the next step fails). */
function openPipe(name: string): OsPipe {
  // Reader first and non-blocking, so that opening the writer does not wait for one (neither blocks).
  const readFd = openSync(name, constants.O_RDONLY | constants.O_NONBLOCK);
  let writeFd = -1;
  try {
    writeFd = openSync(name, constants.O_WRONLY);
    return { readable: new Socket({ fd: readFd, readable: true, writable: false }), writeFd };
  } catch (err) {
    closeQuietly(readFd);
    if (writeFd >= 0) closeQuietly(writeFd);
    throw err;
  }
}

/** The parent's copies of the write ends: closed after spawn, or the readers never see EOF. */
export function closeWriteEnds(pipes: readonly OsPipe[]): void {
  for (const p of pipes) {
    // Once only: a second close could hit a number the process has since reused for another file.
    if (p.writeFd >= 0) closeQuietly(p.writeFd);
    p.writeFd = -1;
  }
}

/** Both ends, when the child could not be started. */
export function closePipes(pipes: readonly OsPipe[]): void {
  closeWriteEnds(pipes);
  for (const p of pipes) p.readable.destroy();
}

function closeQuietly(fd: number): void {
  try {
    closeSync(fd);
  } catch {
    // Already closed.
  }
}
