import { execFileSync } from 'node:child_process';
import { writeFileSync } from 'node:fs';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { tempDirSync } from '../../core/temp-dir.fixture.js';
import { unifiedDiff } from './diff.js';

/** GNU diff's unified output for the same two texts, headers dropped (they carry dates). */
function gnuDiff(a: string, b: string): string {
  const dir = tempDirSync('medic-diff-');
  writeFileSync(path.join(dir, 'a'), a);
  writeFileSync(path.join(dir, 'b'), b);
  try {
    execFileSync('diff', ['-u', path.join(dir, 'a'), path.join(dir, 'b')]);
    return '';
  } catch (err) {
    return String((err as { stdout: Buffer }).stdout)
      .split('\n')
      .slice(2)
      .join('\n');
  }
}

const body = (r: { text: string }) => r.text.split('\n').slice(2).join('\n');
const lines = (n: number, f: (i: number) => string) =>
  `${Array.from({ length: n }, (_, i) => f(i)).join('\n')}\n`;

describe('unifiedDiff', () => {
  const cases: [string, string, string][] = [
    ['equal texts', 'a\nb\n', 'a\nb\n'],
    ['one value changed', 'a: 1\nb: 2\nc: 3\n', 'a: 1\nb: 9\nc: 3\n'],
    ['a line added at the end', 'a\nb\n', 'a\nb\nc\n'],
    ['a line removed at the start', 'a\nb\nc\n', 'b\nc\n'],
    ['from empty', '', 'x\ny\n'],
    ['to empty', 'x\ny\n', ''],
    [
      'two changes far apart: two hunks',
      lines(30, (i) => `k${i}: ${i}`),
      lines(30, (i) => (i === 2 || i === 25 ? `k${i}: changed` : `k${i}: ${i}`)),
    ],
    [
      'two changes close together: one hunk',
      lines(20, (i) => `k${i}`),
      lines(20, (i) => (i === 5 || i === 10 ? `k${i}!` : `k${i}`)),
    ],
  ];
  it.each(cases)('%s: the same hunks as diff -u', (_name, a, b) => {
    const r = unifiedDiff(a, b);
    expect(body(r)).toBe(gnuDiff(a, b));
  });

  it('counts lines and names the files', () => {
    const r = unifiedDiff('a\nb\n', 'a\nc\nd\n', { from: 'known good', to: 'now' });
    expect(r).toMatchObject({ added: 2, removed: 1 });
    expect(r.text.startsWith('--- known good\n+++ now\n@@ -1,2 +1,3 @@\n a\n-b\n+c\n+d\n')).toBe(true);
  });

  it('stays quick on a large file', () => {
    const a = lines(20_000, (i) => `line ${i}`);
    const b = lines(20_000, (i) => (i % 1000 === 0 ? `changed ${i}` : `line ${i}`));
    const t0 = performance.now();
    const r = unifiedDiff(a, b);
    expect(r.added).toBe(20);
    expect(r.removed).toBe(20);
    expect(performance.now() - t0).toBeLessThan(5_000);
  });
});
