import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { LogChunkBuilder, type LogChunkRow } from './log-chunk.js';
import { LogWriter } from './log-writer.js';
import { openSqliteStore, type SqliteStore } from './sqlite.js';
import type { LogBatch, LogLine } from './store.js';

const T0 = 1_700_000_000_000;

const dirs: string[] = [];
const stores: SqliteStore[] = [];
afterEach(async () => {
  for (const s of stores.splice(0)) await s.close();
  for (const d of dirs.splice(0)) await rm(d, { recursive: true, force: true });
});

async function open(): Promise<SqliteStore> {
  const dir = await mkdtemp(join(tmpdir(), 'medic-log-writer-'));
  dirs.push(dir);
  const s = await openSqliteStore({ dir });
  stores.push(s);
  return s;
}

/** A batch of `n` lines of template `id`, counted, with the tail position after them. */
function batch(id: string, n: number, from = 0, offset = n): LogBatch {
  const lines: LogLine[] = Array.from({ length: n }, (_, i) => ({
    service: 'api',
    at: T0 + from + i,
    templateId: id,
    level: null,
    source: 'file:/x.log',
    text: `line ${from + i} of ${id}`,
  }));
  return {
    templates: [
      {
        service: 'api',
        templateId: id,
        text: id,
        category: null,
        severity: null,
        count: n,
        firstSeen: T0,
        lastSeen: T0 + n,
      },
    ],
    counts: [{ service: 'api', templateId: id, bucket: T0, count: n }],
    lines,
    offsets: [{ source: 'k', position: { dev: 1, ino: 2, offset }, at: T0 }],
  };
}

describe('SqliteStore log writer thread', () => {
  it('stores a large write on its thread: lines, counts and position readable at once through the store', async () => {
    const store = await open();
    await store.recordLogBatch(batch('tA', 5000));
    expect(store.logWriter.stats()).toMatchObject({ threadWrites: 1, threadLines: 5000, inlineWrites: 0 });
    const lines = await store.logLines({ service: 'api', limit: 10_000 });
    expect(lines).toHaveLength(5000);
    expect(lines[4999]?.text).toBe('line 4999 of tA');
    expect((await store.getLogTemplate('api', 'tA'))?.count).toBe(5000);
    expect(await store.logCounts('api', 'tA', T0)).toEqual([{ bucket: T0, count: 5000 }]);
    expect((await store.getLogOffset('k'))?.offset).toBe(5000);
    expect((await store.logLines({ contains: 'LINE 4321 OF', limit: 5 })).map((l) => l.text)).toEqual([
      'line 4321 of tA',
    ]);
  });

  it('stores chunks a pipeline encoded from their shared memory, as they are, and takes the memory back after', async () => {
    const store = await open();
    const builder = new LogChunkBuilder('api', { bytes: true });
    const chunks: LogChunkRow[] = [];
    for (let i = 0; i < 4500; i++) {
      builder.add(T0 + i, 'tA', i % 7 ? null : 'error', 'file:/x.log', `line ${i} "quoted" ü\u0000`);
      if (builder.size >= 2000) chunks.push(builder.take() as LogChunkRow);
    }
    chunks.push(builder.take() as LogChunkRow);
    expect(
      chunks.every((c) => c.body instanceof Uint8Array && c.body.buffer instanceof SharedArrayBuffer),
    ).toBe(true);
    await store.recordLogBatch({ templates: [], chunks });
    expect(store.logWriter.stats()).toMatchObject({ threadWrites: 1, threadLines: 4500, inlineWrites: 0 });
    const lines = await store.logLines({ service: 'api', limit: 10_000 });
    expect(lines).toHaveLength(4500);
    expect(lines.find((l) => l.at === T0 + 4321)).toMatchObject({
      text: 'line 4321 "quoted" ü',
      level: null,
    });
    expect(lines.find((l) => l.at === T0 + 4319)?.level).toBe('error');
    builder.release(chunks);
    const again = new LogChunkBuilder('web', { bytes: true });
    again.add(T0, 'tB', null, 'stdout', 'next');
    const memory = (again.take() as LogChunkRow).body as Uint8Array;
    expect(chunks.some((c) => (c.body as Uint8Array).buffer === memory.buffer)).toBe(true);
  });

  it('keeps call order between writes on the thread and small ones on the connection', async () => {
    const store = await open();
    const done: string[] = [];
    const writes = [
      store.recordLogBatch(batch('tA', 3000, 0, 100)).then(() => done.push('big 1')),
      store.recordLogBatch(batch('tA', 10, 3000, 200)).then(() => done.push('small')),
      store.recordLogBatch(batch('tA', 2500, 3010, 300)).then(() => done.push('big 2')),
    ];
    await Promise.all(writes);
    expect(done).toEqual(['big 1', 'small', 'big 2']);
    expect(store.logWriter.stats()).toMatchObject({ threadWrites: 2, inlineWrites: 1 });
    const lines = await store.logLines({ service: 'api', limit: 10_000 });
    expect(lines.map((l) => l.at)).toEqual(Array.from({ length: 5510 }, (_, i) => T0 + i));
    expect((await store.getLogTemplate('api', 'tA'))?.count).toBe(5510);
    expect((await store.getLogOffset('k'))?.offset).toBe(300);
  });

  it("the store's own transactions that read, wait and then write never fail while the thread writes", async () => {
    const store = await open();
    await store.recordLogBatch(batch('tB', 10));
    expect(await store.logWriter.start()).toBe(true);
    // A transaction that reads first would find its snapshot stale (SQLITE_BUSY, at once) when the thread
    // committed before its first write: the store's transactions take the write lock as they begin.
    let threadDone = false;
    const result = await store.db.transaction().execute(async (trx) => {
      const before = await trx
        .selectFrom('log_templates')
        .select('count')
        .where('template_id', '=', 'tB')
        .executeTakeFirst();
      const writing = store.recordLogBatch(batch('tB', 4000, 10, 4010)).then(() => {
        threadDone = true;
      });
      await new Promise((r) => setTimeout(r, 300));
      await trx
        .updateTable('log_templates')
        .set({ text: `seen ${before?.count}` })
        .where('template_id', '=', 'tB')
        .execute();
      return { writing, doneInside: threadDone };
    });
    await result.writing;
    // The thread waited for the transaction, then stored its lines.
    expect(result.doneInside).toBe(false);
    expect(await store.getLogTemplate('api', 'tB')).toMatchObject({ count: 4010, text: 'tB' });
    expect(store.logWriter.stats().threadWrites).toBe(1);
  });

  it('close waits for the writes in flight', async () => {
    const store = await open();
    const dir = store.path;
    const pending = store.recordLogBatch(batch('tC', 6000));
    stores.splice(stores.indexOf(store), 1);
    await store.close();
    await pending;
    const again = await openSqliteStore({ dir: join(dir, '..') });
    stores.push(again);
    expect((await again.getLogTemplate('api', 'tC'))?.count).toBe(6000);
  });

  it('a write the database refuses fails and stores nothing of its batch', async () => {
    const store = await open();
    const bad = batch('tD', 3000);
    // NOT NULL: the whole transaction rolls back, lines and position included.
    (bad.templates[0] as { firstSeen: unknown }).firstSeen = null;
    await expect(store.recordLogBatch(bad)).rejects.toThrow(/NOT NULL/i);
    expect(await store.logLines({ service: 'api' })).toEqual([]);
    expect(await store.getLogOffset('k')).toBeNull();
    await store.recordLogBatch(batch('tD', 3000));
    expect((await store.getLogTemplate('api', 'tD'))?.count).toBe(3000);
  });
});

describe('LogWriter', () => {
  it("a file the thread cannot open: its writes go the store's own way, the first included", async () => {
    const store = await open();
    const errors: string[] = [];
    const w = new LogWriter({
      path: join(store.path, 'not-a-dir', 'x.db'),
      inline: (b) => store.recordLogBatch(b),
      onThreadError: (e) => errors.push(e.message),
    });
    await w.write(batch('tE', 2500));
    await w.write(batch('tE', 2500, 2500));
    expect(w.stats()).toMatchObject({ threadFailed: true, threadWrites: 0, inlineWrites: 2 });
    expect(errors).toHaveLength(1);
    expect((await store.getLogTemplate('api', 'tE'))?.count).toBe(5000);
    await w.close();
  });

  it('small writes and an in-memory database never start the thread', async () => {
    const mem = await openSqliteStore({ dir: ':memory:' });
    stores.push(mem);
    await mem.recordLogBatch(batch('tF', 3000));
    expect(mem.logWriter.stats()).toMatchObject({ threadWrites: 0 });
    const store = await open();
    await store.recordLogBatch(batch('tF', 1999));
    expect(store.logWriter.stats()).toMatchObject({ threadWrites: 0 });
    expect((await store.getLogTemplate('api', 'tF'))?.count).toBe(1999);
  });
});
