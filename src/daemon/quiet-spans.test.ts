import { describe, expect, it } from 'vitest';
import { quietSpans } from './evidence-logs.js';

describe('quietSpans', () => {
  it('cuts the trouble windows out, overlapping or not, and clips them to the range', () => {
    expect(
      quietSpans(0, 100, [
        { from: 30, to: 40 },
        { from: -10, to: 5 },
        { from: 35, to: 50 },
        { from: 90, to: 120 },
      ]),
    ).toEqual([
      { from: 5, to: 30 },
      { from: 50, to: 90 },
    ]);
  });

  it('no trouble: the whole range; trouble over all of it: nothing', () => {
    expect(quietSpans(0, 100, [])).toEqual([{ from: 0, to: 100 }]);
    expect(quietSpans(0, 100, [{ from: -1, to: 101 }])).toEqual([]);
  });

  it('keeps the newest 20 spans', () => {
    const trouble = Array.from({ length: 30 }, (_, i) => ({ from: i * 10 + 5, to: i * 10 + 10 }));
    const spans = quietSpans(0, 300, trouble);
    expect(spans).toHaveLength(20);
    expect(spans.at(-1)).toEqual({ from: 290, to: 295 });
  });
});
