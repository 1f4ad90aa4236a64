import { describe, expect, it } from 'vitest';
import { chunkBodyText, LogChunkBuilder, writeChunkBody } from './log-chunk.js';
import { chunkLines } from './queries/logs.js';

/** Lines of every kind a body must carry: quotes, backslashes, control characters, NUL, non-ASCII, long. */
function line(i: number): string {
  const kinds = [
    `GET /api/items/${i} 200 "ok" \\ done`,
    `tab\there, newline-free, ünïcödé ✓ 日本 ${i}`,
    `nul\u0000byte ${i}`,
    `${'x'.repeat(3000)} long ${i}`,
    `emoji 🎉 and a lone surrogate \ud800 ${i}`,
  ];
  return kinds[i % kinds.length] as string;
}

describe('LogChunkBuilder', () => {
  it('builds exactly the stored v3 text, and writes exactly its UTF-8 bytes', () => {
    const b = new LogChunkBuilder('api');
    const n = 1500;
    for (let i = 0; i < n; i++) b.add(1000 + i, `t${i % 3}`, i % 2 ? 'error' : null, 'file:/x.log', line(i));
    const row = b.take();
    if (!row) throw new Error('no row');
    expect(typeof row.body).toBe('string');
    const text = chunkBodyText(row.body);
    const dict: [string, string | null, string][] = [];
    const kinds: number[] = [];
    for (let i = 0; i < n; i++) {
      const key = [`t${i % 3}`, i % 2 ? 'error' : null, 'file:/x.log'] as [string, string | null, string];
      let k = dict.findIndex((d) => d[0] === key[0] && d[1] === key[1]);
      if (k < 0) k = dict.push(key) - 1;
      kinds.push(k);
    }
    const expected = JSON.stringify({
      x: Array.from({ length: n }, (_, i) => line(i).replaceAll('\u0000', '')),
      v: 3,
      k: dict,
      t: Array.from({ length: n }, (_, i) => i),
      i: kinds,
    });
    expect(text).toBe(expected);
    const out = Buffer.alloc(3 * text.length + 10, 0xff);
    const written = writeChunkBody(row.body, out, 7);
    expect(out.subarray(7, 7 + written).equals(Buffer.from(expected, 'utf8'))).toBe(true);
    const lines = chunkLines(out.toString('utf8', 7, 7 + written), row.first_at);
    expect(lines).toHaveLength(n);
    expect(lines[3]).toEqual([1003, 't0', 'error', 'file:/x.log', line(3)]);
  });

  it('as bytes, gives exactly the UTF-8 of the text it gives as a string', () => {
    for (const n of [1, 7, 1500]) {
      const parts = new LogChunkBuilder('api');
      const bytes = new LogChunkBuilder('api', { bytes: true });
      for (const b of [parts, bytes])
        for (let i = 0; i < n; i++)
          b.add(1000 + i, `t${i % 3}`, i % 2 ? 'error' : null, 'file:/x.log', line(i));
      const a = parts.take();
      const b = bytes.take();
      if (!a || !b) throw new Error('no row');
      expect(b.body).toBeInstanceOf(Uint8Array);
      const text = chunkBodyText(a.body);
      expect(Buffer.from(b.body as Uint8Array).equals(Buffer.from(text, 'utf8'))).toBe(true);
      expect(chunkBodyText(b.body)).toBe(text);
      const out = Buffer.alloc((b.body as Uint8Array).length + 10, 0xff);
      expect(writeChunkBody(b.body, out, 3)).toBe((b.body as Uint8Array).length);
      expect(out.subarray(3, 3 + (b.body as Uint8Array).length).equals(b.body as Uint8Array)).toBe(true);
      expect({ ...b, body: null }).toEqual({ ...a, body: null });
    }
  });

  it('reuses the memory of bodies given back, never the memory of one body for two', () => {
    const b = new LogChunkBuilder('api', { bytes: true });
    const other = new LogChunkBuilder('web', { bytes: true });
    const fill = (k: LogChunkBuilder, n: number) => {
      for (let i = 0; i < n; i++) k.add(i, 't', null, 'stdout', line(i));
      return k.take() as NonNullable<ReturnType<LogChunkBuilder['take']>>;
    };
    const a = fill(b, 50);
    const held = fill(other, 50);
    b.release([a, a, { ...a, body: 'text' }]);
    const c = fill(b, 40);
    const d = fill(other, 40);
    const memory = (r: typeof a) => (r.body as Uint8Array).buffer;
    // Any builder of the process reuses what another gave back; what is given back twice serves one body.
    expect(memory(c)).toBe(memory(a));
    expect(memory(d)).not.toBe(memory(c));
    expect(memory(d)).not.toBe(memory(held));
    expect(memory(c)).not.toBe(memory(held));
    const plain = new LogChunkBuilder('api');
    for (let i = 0; i < 40; i++) plain.add(i, 't', null, 'stdout', line(i));
    expect(chunkBodyText(d.body)).toBe(chunkBodyText((plain.take() as typeof a).body));
  });

  it('a chunk of one short line', () => {
    const b = new LogChunkBuilder('api');
    b.add(5, 't', null, 'stdout', 'one');
    const row = b.take();
    expect(chunkBodyText(row?.body ?? '')).toBe(
      '{"x":["one"],"v":3,"k":[["t",null,"stdout"]],"t":[0],"i":[0]}',
    );
    expect(b.take()).toBeNull();
  });
});
