import { describe, expect, it } from 'vitest';
import { HoltWintersDetector } from './holt-winters.js';
import { DAY, gaussian, STEP_MS, T0 } from './synthetic.fixture.js';

describe('holt-winters: robust updates (`huber`)', () => {
  // A daily cycle with noise; one spike on day 6 at phase 40; the samples after it are normal.
  const g = gaussian(11);
  const spike = 6 * DAY + 40;
  const xs = Array.from(
    { length: 8 * DAY },
    (_, i) => 100 + 20 * Math.sin((2 * Math.PI * i) / DAY) + g() + (i === spike ? 200 : 0),
  );
  const residuals = (opts: Record<string, number>) => {
    const d = new HoltWintersDetector(opts);
    const z: number[] = [];
    xs.forEach((v, i) => {
      d.observe(T0 + i * STEP_MS, v);
      if (i === spike + 1 || i === spike + DAY) z.push(Math.abs(d.residualZ()));
    });
    expect(d.period()).toBeGreaterThan(0);
    return { next: z[0]!, dayLater: z[1]! };
  };

  it('without it the spike drags the level: the normal sample after it is a residual of several spreads', () => {
    expect(residuals({}).next).toBeGreaterThan(5);
  });

  it('with huber=2 the normal samples after the spike, and a day later at its phase, are not anomalies', () => {
    const plain = residuals({});
    const robust = residuals({ huber: 2 });
    expect(robust.next).toBeLessThan(2);
    expect(robust.dayLater).toBeLessThan(plain.dayLater);
  });
});
