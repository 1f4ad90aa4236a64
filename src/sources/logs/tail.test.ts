import { appendFileSync, mkdtempSync, renameSync, rmSync, truncateSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { FileOffsetStore } from './offsets.js';
import { FileTailer, type TailRecord } from './tail.js';

let dir: string;
beforeEach(() => {
  dir = mkdtempSync(join(tmpdir(), 'medic-tail-'));
});
afterEach(() => rmSync(dir, { recursive: true, force: true }));

function tailer(
  file: string,
  got: string[],
  extra: Partial<ConstructorParameters<typeof FileTailer>[0]> = {},
) {
  return new FileTailer({
    path: file,
    offsets: new FileOffsetStore(join(dir, 'state.json')),
    idleFlushMs: 0,
    onRecords: (rs: TailRecord[]) => {
      for (const r of rs) got.push(r.text);
    },
    ...extra,
  });
}

describe('FileTailer', () => {
  it('reads complete lines only, and the rest once its newline arrives', async () => {
    const file = join(dir, 'app.log');
    writeFileSync(file, 'one\ntw');
    const got: string[] = [];
    const t = tailer(file, got);
    await t.poll();
    expect(got).toEqual(['one']);
    appendFileSync(file, 'o\nthree\n');
    await t.poll();
    expect(got).toEqual(['one', 'two', 'three']);
    await t.stop();
  });

  it('follows a rename rotation: finishes the old file, then reads the new one from its start', async () => {
    const file = join(dir, 'app.log');
    writeFileSync(file, 'a1\n');
    const got: string[] = [];
    const t = tailer(file, got);
    await t.poll();
    appendFileSync(file, 'a2\n');
    renameSync(file, `${file}.1`);
    writeFileSync(file, 'b1\n');
    await t.poll();
    expect(got).toEqual(['a1', 'a2', 'b1']);
    expect(t.stats.rotations).toBe(1);
    await t.stop();
  });

  it('reads every file when the log rotated twice between two polls (a slow reader)', async () => {
    const file = join(dir, 'app.log');
    writeFileSync(file, 'a1\n');
    const got: string[] = [];
    const t = tailer(file, got);
    await t.poll();
    appendFileSync(file, 'a2\n');
    renameSync(file, `${file}.1`);
    writeFileSync(file, 'b1\nb2\n');
    renameSync(file, `${file}.2`);
    writeFileSync(file, 'c1\n');
    await t.poll();
    expect(got).toEqual(['a1', 'a2', 'b1', 'b2', 'c1']);
    expect(t.stats.rotations).toBe(2);
    await t.stop();
  });

  it('starts again at 0 after a truncation (copytruncate)', async () => {
    const file = join(dir, 'app.log');
    writeFileSync(file, 'old line one\nold line two\n');
    const got: string[] = [];
    const t = tailer(file, got);
    await t.poll();
    truncateSync(file, 0);
    appendFileSync(file, 'new\n');
    await t.poll();
    expect(got).toEqual(['old line one', 'old line two', 'new']);
    expect(t.stats.truncations).toBe(1);
    await t.stop();
  });

  it('joins a stack trace into one record', async () => {
    const file = join(dir, 'app.log');
    writeFileSync(
      file,
      'start\nERROR boom\njava.lang.IllegalStateException: x\n    at a.B.c(B.java:1)\n    at a.B.d(B.java:2)\nCaused by: y\n    ... 3 more\nnext\n',
    );
    const got: string[] = [];
    const t = tailer(file, got, { idleFlushMs: 60_000 });
    await t.poll();
    expect(got).toEqual([
      'start',
      'ERROR boom',
      'java.lang.IllegalStateException: x\n    at a.B.c(B.java:1)\n    at a.B.d(B.java:2)\nCaused by: y\n    ... 3 more',
    ]);
    await t.stop();
    expect(got.at(-1)).toBe('next');
  });

  it('resumes after a restart where it stopped, even across a rotation while it was down', async () => {
    const file = join(dir, 'app.log');
    writeFileSync(file, 'l1\nl2\n');
    const got: string[] = [];
    const first = tailer(file, got);
    await first.poll();
    await first.stop();
    appendFileSync(file, 'l3\n');
    renameSync(file, `${file}.1`);
    writeFileSync(file, 'l4\n');
    const second = tailer(file, got);
    await second.poll();
    await second.stop();
    expect(got).toEqual(['l1', 'l2', 'l3', 'l4']);
  });
});
