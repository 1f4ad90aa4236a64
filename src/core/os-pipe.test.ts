import * as fs from 'node:fs';
import { afterEach, describe, expect, it, vi } from 'vitest';

/** openSync and closeSync as os-pipe.ts sees them, so a test can make one open fail (EMFILE). */
const calls = vi.hoisted(() => ({
  failOpenAt: -1,
  opened: [] as number[],
  closed: [] as number[],
}));
vi.mock('node:fs', async (importOriginal) => {
  const real = await importOriginal<typeof import('node:fs')>();
  return {
    ...real,
    openSync: (...args: Parameters<typeof real.openSync>) => {
      if (calls.opened.length === calls.failOpenAt)
        throw Object.assign(new Error('EMFILE: too many open files'), { code: 'EMFILE' });
      const fd = real.openSync(...args);
      calls.opened.push(fd);
      return fd;
    },
    closeSync: (fd: number) => {
      calls.closed.push(fd);
      real.closeSync(fd);
    },
  };
});

const { osPipes } = await import('./os-pipe.js');

afterEach(() => {
  calls.failOpenAt = -1;
  calls.opened.length = 0;
  calls.closed.length = 0;
});

/** Whether the fd is open in this process (and not reused by another file: every fd here was a FIFO). */
function isOpenFifo(fd: number): boolean {
  try {
    return fs.readlinkSync(`/proc/self/fd/${fd}`).includes('medic-pipe-');
  } catch {
    return false;
  }
}

describe('osPipes', () => {
  it.each([
    [1, 'the first write end'],
    [2, "the second pipe's read end"],
    [3, "the second pipe's write end"],
  ])('when open number %i (%s) fails, leaves nothing open and closes no fd a Socket owns', async (n) => {
    calls.failOpenAt = n;
    await expect(osPipes(2)).rejects.toThrow(/EMFILE/);
    // The first pipe's read end (opened first) belongs to a Socket once the pipe is made: destroyed, not
    // closed by number (the Socket would later close whatever reused it).
    if (n >= 2) expect(calls.closed).not.toContain(calls.opened[0]);
    const deadline = Date.now() + 2_000;
    while (calls.opened.some(isOpenFifo) && Date.now() < deadline)
      await new Promise((r) => setTimeout(r, 10));
    expect(calls.opened.filter(isOpenFifo)).toEqual([]);
  });

  it('gives working pipes when every open succeeds', async () => {
    const [p] = await osPipes(1);
    const got = new Promise<string>((resolve) =>
      p!.readable.once('data', (b: Buffer) => resolve(b.toString())),
    );
    fs.writeSync(p!.writeFd, 'hi');
    expect(await got).toBe('hi');
    fs.closeSync(p!.writeFd);
    p!.readable.destroy();
  });
});
