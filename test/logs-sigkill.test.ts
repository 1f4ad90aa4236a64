import { type ChildProcess, spawn } from 'node:child_process';
import { writeFile } from 'node:fs/promises';
import path from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { openSqliteStore } from '../src/store/index.js';
import { exited, freePort, getJson, ROOT, startMedicProcess, tempDir, waitFor } from './helpers.js';

const children: ChildProcess[] = [];

afterEach(async () => {
  for (const c of children.splice(0)) {
    if (c.exitCode === null && c.signalCode === null) {
      c.kill('SIGKILL');
      await exited(c);
    }
  }
});

const TOTAL = 24_000;

describe('logs: Medic killed with SIGKILL while tailing a file that is written and rotated', () => {
  it('ingests every line exactly once after the restart', async () => {
    const dir = await tempDir();
    const apiPort = await freePort();
    const log = path.join(dir, 'app.log');
    const file = path.join(dir, 'medic.yaml');
    await writeFile(
      file,
      `services:
  app:
    logs:
      stdout: false
      files:
        - { path: app.log, from: start, multiline: false, poll: 50ms }
policy: {}
notifiers: []
server: { host: 127.0.0.1, port: ${apiPort} }
store: { dir: ./data }
`,
    );
    await writeFile(log, '');
    const api = `http://127.0.0.1:${apiPort}`;
    const stored = async () => {
      const { items } = await getJson<{ items: { count: number }[] }>(
        `${api}/api/logs/templates?service=app&limit=500`,
      );
      return items.reduce((a, t) => a + t.count, 0);
    };

    const first = startMedicProcess(file);
    children.push(first);
    await waitFor('medic up', async () => (await stored()) === 0, 20_000);
    const writer = spawn(
      process.execPath,
      [path.join(ROOT, 'test/logs-writer.fixture.mjs'), log, String(TOTAL), '4000', '3000'],
      { stdio: ['ignore', 'pipe', 'inherit'] },
    );
    children.push(writer);
    let writerOut = '';
    writer.stdout?.on('data', (c: Buffer) => {
      writerOut += c.toString();
    });
    await waitFor('some lines stored', async () => (await stored()) > 3000, 20_000);
    first.kill('SIGKILL');
    await exited(first);
    // The writer goes on writing and rotating while nobody tails.
    await new Promise((r) => setTimeout(r, 1500));

    const second = startMedicProcess(file);
    children.push(second);
    await waitFor('the writer done', () => writerOut.includes('done'), 30_000);
    const rotations = Number(writerOut.trim().split(' ')[2]);
    expect(rotations).toBeGreaterThanOrEqual(6);
    await waitFor('every line stored', async () => (await stored()) >= TOTAL, 30_000).catch(() => null);
    await new Promise((r) => setTimeout(r, 500));
    const finalCount = await stored();
    second.kill('SIGTERM');
    await exited(second);

    const store = await openSqliteStore({ dir: path.join(dir, 'data') });
    try {
      const lines = await store.logLines({ service: 'app', limit: TOTAL * 2 });
      const seen = new Map<number, number>();
      for (const l of lines) {
        const n = Number(/seq=(\d+)/.exec(l.text)?.[1]);
        seen.set(n, (seen.get(n) ?? 0) + 1);
      }
      const missing: number[] = [];
      const repeated: number[] = [];
      for (let n = 0; n < TOTAL; n++) {
        const c = seen.get(n) ?? 0;
        if (c === 0) missing.push(n);
        if (c > 1) repeated.push(n);
      }
      if (missing.length)
        console.log('missing ranges', JSON.stringify(ranges(missing)), 'stored', finalCount);
      expect({ missing: missing.slice(0, 10), repeated: repeated.slice(0, 10) }).toEqual({
        missing: [],
        repeated: [],
      });
      expect(lines).toHaveLength(TOTAL);
      expect(finalCount).toBe(TOTAL);
    } finally {
      await store.close();
    }
  }, 90_000);
});

function ranges(xs: number[]): [number, number][] {
  const out: [number, number][] = [];
  for (const x of xs) {
    const last = out[out.length - 1];
    if (last && last[1] === x - 1) last[1] = x;
    else out.push([x, x]);
  }
  return out;
}
