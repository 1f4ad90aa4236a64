import { describe, expect, it } from 'vitest';
import { maskToken } from './mask.js';
import { ShapeMasks } from './shape-masks.js';
import { TokenMasker } from './token-masker.js';

/** Seeded: the same tokens every run. */
function random(seed: number): (k: number) => number {
  let s = seed;
  return (k) => {
    s = (Math.imul(s, 1103515245) + 12345) & 0x7fffffff;
    return s % k;
  };
}

/** Tokens of one shape: every digit of `shape` replaced by a random digit (zeros included). */
function ofShape(shape: string, rand: (k: number) => number): string {
  let t = '';
  for (const ch of shape) t += ch >= '0' && ch <= '9' ? String(rand(10)) : ch;
  return t;
}

describe('ShapeMasks', () => {
  it('answers for a token of a remembered shape only, and not for an answer that kept a digit', () => {
    const s = new ShapeMasks();
    const a = 'blk_-1608999687919862906';
    s.set(a, s.hash(a), 'blk_<*>');
    const b = 'blk_-7503483334202473044';
    expect(s.hash(b)).toBe(s.hash(a));
    expect(s.get(b, s.hash(b))).toBe('blk_<*>');
    // Same length, a letter where a digit was: another shape.
    const c = 'blk_-75034833342024730x4';
    expect(s.get(c, s.hash(a))).toBeUndefined();
    const d = 'ssh2';
    s.set(d, s.hash(d), 'ssh2');
    expect(s.get('ssh3', s.hash('ssh3'))).toBeUndefined();
    // A digit before an x: not judged by shape (0x1f is hex, 5x1f is not).
    expect(s.hash('0x1f')).toBe(0);
    expect(s.hash('a5X')).toBe(0);
    // A token read in place in its line, from its start to its end: the same hash and answer.
    const line = `block ${b} served`;
    const start = line.indexOf(b);
    const end = start + b.length;
    expect(s.hash(line, start, end)).toBe(s.hash(b));
    expect(s.get(line, s.hash(line, start, end), start, end)).toBe('blk_<*>');
    expect(s.get(line, s.hash(line, start, end + 1), start, end + 1)).toBeUndefined();
  });

  it('gives maskToken’s answer for every token, whatever tokens of its shape came before', () => {
    // Shapes of the kinds of values logs carry, each met with many digit values (zeros and all).
    const shapes = [
      'blk_-1608999687919862906',
      '/10.251.43.21:50010',
      '10.0.0.1',
      '[10.0.0.1]:80,',
      'req-4f3a9c21-0b7e-4d2a-9f1e-123456789abc',
      '2024-01-05T12:34:56.789Z',
      '12:34:56',
      'took1514044800223ms',
      'pid=12345',
      'id=0x1f2e3d4c',
      '0x7fffffff',
      '1x2f',
      'worker-246',
      'eth0',
      'ssh2',
      'node716',
      'v1.2.3-4',
      '64KB',
      '1.5s',
      '4s38ms',
      'com.example.Pool@1b2c3d',
      'user1234@example.org',
      '"/var/log/app-20240105.log"',
      'R2-M1-N4',
      'file.java:123)',
      '-42',
      '(1234567890)',
      'core.12345678',
      'fe80::1ff:fe23:4567:890a',
      '00:1a:2b:3c:4d:5e',
      'job_201901011200_0001',
      'attempt_1445144423722_0020_m_000002_0',
      'tasks.resize[1b4e28ba-2fa1-11d2-883f-0016d3cca427]',
      '12.5%',
      'key=val123,',
      '3.14e10',
    ];
    const rand = random(11);
    const tokens: string[] = [];
    for (let i = 0; i < 20_000; i++) tokens.push(ofShape(shapes[rand(shapes.length)] as string, rand));
    // And random tokens over an alphabet where digits, hex letters, x and punctuation meet.
    const alphabet = '0123456789abcdefxX._-:/@=()[]"%,sm';
    for (let i = 0; i < 20_000; i++) {
      let t = '';
      const n = 1 + rand(14);
      for (let j = 0; j < n; j++) t += alphabet[rand(alphabet.length)];
      tokens.push(t);
    }
    for (const slots of [1, 7, 4096]) {
      const m = new TokenMasker(slots, slots, slots);
      const wrong = tokens.filter((t) => m.mask(t) !== maskToken(t));
      expect(wrong).toEqual([]);
    }
  });
});
