import { type ChildProcess, spawn } from 'node:child_process';
import {
  appendFileSync,
  existsSync,
  mkdtempSync,
  readFileSync,
  renameSync,
  rmSync,
  writeFileSync,
} from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, expect, it } from 'vitest';

const script = join(import.meta.dirname, 'tail-child.fixture.ts');
let dir: string;
let child: ChildProcess | null = null;
afterEach(() => {
  child?.kill('SIGKILL');
  rmSync(dir, { recursive: true, force: true });
});

function startChild(file: string, out: string, state: string): Promise<ChildProcess> {
  const c = spawn(process.execPath, ['--import', 'tsx', script, file, out, state], {
    stdio: ['ignore', 'pipe', 'inherit'],
  });
  return new Promise((resolve, reject) => {
    c.stdout?.once('data', () => resolve(c));
    c.once('exit', (code) => reject(new Error(`child exited ${code}`)));
  });
}

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

it('delivers every line exactly once across SIGKILL, restart and rotation', async () => {
  dir = mkdtempSync(join(tmpdir(), 'medic-tailproc-'));
  const file = join(dir, 'app.log');
  const out = join(dir, 'out.txt');
  const state = join(dir, 'state.json');
  writeFileSync(file, '');
  let n = 0;
  const write = (count: number) => {
    let s = '';
    for (let i = 0; i < count; i++) s += `line ${n++}\n`;
    appendFileSync(file, s);
  };
  const rotate = (round: number) => {
    renameSync(file, `${file}.${round}`);
    writeFileSync(file, '');
    write(30);
  };
  child = await startChild(file, out, state);
  for (let round = 0; round < 4; round++) {
    for (let k = 0; k < 10; k++) {
      write(50);
      await sleep(5);
    }
    // Rotate while it runs (even rounds) or while it is dead (odd rounds): both must lose nothing.
    if (round % 2 === 0) rotate(round);
    child.kill('SIGKILL');
    await new Promise((r) => child?.once('exit', r));
    write(40); // written while nobody tails
    if (round % 2 === 1) rotate(round);
    child = await startChild(file, out, state);
  }
  write(10);
  const expected = n;
  for (let i = 0; i < 200; i++) {
    const got = existsSync(out) ? readFileSync(out, 'utf8').trimEnd().split('\n').length : 0;
    if (got >= expected) break;
    await sleep(50);
  }
  const lines = readFileSync(out, 'utf8')
    .trimEnd()
    .split('\n')
    .map((l) => l.split(' ').slice(3).join(' '));
  const counts = new Map<string, number>();
  for (const l of lines) counts.set(l, (counts.get(l) ?? 0) + 1);
  const missing = [];
  for (let i = 0; i < expected; i++)
    if (counts.get(`line ${i}`) !== 1) missing.push(`line ${i}: ${counts.get(`line ${i}`) ?? 0}`);
  expect(missing).toEqual([]);
  expect(lines).toHaveLength(expected);
}, 60_000);
