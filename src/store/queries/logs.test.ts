import { describe, expect, it } from 'vitest';
import { chunkLines } from './logs.js';

// Chunks written by earlier versions stay readable after the layout changed (a store is upgraded in place).
describe('chunkLines', () => {
  const T = 1_700_000_000_000;
  const want = [
    [T, 'a', 'info', 'file:/x', 'one'],
    [T + 5, 'b', null, 'stdout', 'two\nlines'],
  ];

  it('reads the columnar layout', () => {
    const body = JSON.stringify({
      v: 3,
      k: [
        ['a', 'info', 'file:/x'],
        ['b', null, 'stdout'],
      ],
      t: [0, 5],
      i: [0, 1],
      x: ['one', 'two\nlines'],
    });
    expect(chunkLines(body, T)).toEqual(want);
  });

  it('reads the row layout of version 2', () => {
    const body = JSON.stringify({
      v: 2,
      k: [
        ['a', 'info', 'file:/x'],
        ['b', null, 'stdout'],
      ],
      l: [
        [0, 0, 'one'],
        [5, 1, 'two\nlines'],
      ],
    });
    expect(chunkLines(body, T)).toEqual(want);
  });

  it('reads the first layout, a plain array of lines', () => {
    expect(chunkLines(JSON.stringify(want), T)).toEqual(want);
  });
});
