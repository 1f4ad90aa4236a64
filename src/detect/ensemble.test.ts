import { describe, expect, it } from 'vitest';
import { detectors } from './registry.js';
import { DAY, gaussian, STEP_MS, T0 } from './synthetic.fixture.js';

function scores(name: string, opts: Record<string, number>, values: number[]): number[] {
  const d = detectors.get(name)(opts);
  return values.map((v, i) => d.observe(T0 + i * STEP_MS, v));
}

describe('auto: one event, one alarm across its halves (`rest`)', () => {
  // Noise, then values beyond the range so far at 2000, 2010 (within 60 samples) and 2070 (after them).
  const g = gaussian(4);
  const xs = Array.from({ length: 2200 }, (_, i) =>
    i === 2000 ? 130 : i === 2010 ? 140 : i === 2070 ? 160 : 100 + g(),
  );

  it('reports a second announcement within `rest` samples (60 by default), not above the first, at 0.3', () => {
    const plain = scores('auto', { rest: 0 }, xs);
    const rested = scores('auto', {}, xs);
    expect(plain[2000]).toBe(1);
    expect(plain[2010]).toBe(1);
    expect(rested[2000]).toBe(1);
    expect(rested[2010]).toBe(0.3);
    // Past the rest, an announcement stands again.
    expect(rested[2070]).toBe(1);
    // It only ever lowers a score.
    for (let i = 0; i < xs.length; i++) expect(rested[i]).toBeLessThanOrEqual(plain[i]!);
  });
});

describe('auto: a strict refractory period after an alarm (`hold`)', () => {
  // The same records as above: three alarms at 1, the second within 30 samples of the first, the third after 50.
  const g = gaussian(4);
  const xs = Array.from({ length: 2200 }, (_, i) =>
    i === 2000 ? 130 : i === 2010 ? 140 : i === 2050 ? 160 : 100 + g(),
  );

  it('reports every score within `hold` samples of an alarm at 0.3, however high, and lets the next one stand', () => {
    // rest=0, so that what is lowered is the refractory period's doing.
    const plain = scores('auto', { rest: 0 }, xs);
    const held = scores('auto', { rest: 0, hold: 30 }, xs);
    expect(plain[2010]).toBe(1);
    expect(held[2000]).toBe(1);
    expect(held[2010]).toBe(0.3);
    expect(held[2050]).toBe(1);
    expect(scores('auto', { rest: 0, hold: 60 }, xs)[2050]).toBe(0.3);
    for (let i = 0; i < xs.length; i++) expect(held[i]).toBeLessThanOrEqual(plain[i]!);
  });
});

describe('soak: flat and gently noisy metrics', () => {
  const QUIET = 0.7;
  const over = (out: number[]) => out.filter((s, i) => i >= 600 && s >= QUIET).length;

  for (const name of ['auto', 'context']) {
    it(`${name} raises nothing on a flat metric`, () => {
      expect(over(scores(name, {}, new Array(20_000).fill(42)))).toBe(0);
    });

    // HTM's spatial rule alone (5% of the range) scores 1 on a record of plain noise about once in 10,000-20,000
    // samples; `stepped` asks the excess to pass the series' mean step as well (docs/detection.md).
    for (const seed of [1, 2, 3]) {
      it(`${name} with stepped=1 raises nothing on 20,000 samples of gentle noise (seed ${seed})`, () => {
        const g = gaussian(seed);
        const xs = Array.from({ length: 20_000 }, () => 100 + 0.5 * g());
        expect(over(scores(name, { stepped: 1 }, xs))).toBe(0);
      });
    }

    // `auto` as the metrics stage runs it (its defaults): a metric that only wobbles raises nothing.
    if (name === 'auto')
      for (const seed of [1, 2, 3])
        it(`auto, by default, raises nothing on 20,000 samples of gentle noise (seed ${seed})`, () => {
          const g = gaussian(seed);
          const xs = Array.from({ length: 20_000 }, () => 100 + 0.5 * g());
          expect(over(scores('auto', {}, xs))).toBe(0);
        });
  }
});

describe('auto: the onsets on the likelihood scale (`logscale`)', () => {
  // At 0.5 the likelihood means a tail of 1e-5; the onsets' default map puts 0.5 at 5 nats (a tail near 7e-3).
  for (const seed of [1, 2]) {
    it(`with logscale=1 the onsets stay below 0.5 on 20,000 samples of gentle noise, where v/(v+5) does not (seed ${seed})`, () => {
      const g = gaussian(seed);
      const xs = Array.from({ length: 20_000 }, () => 100 + 0.5 * g());
      const over = (opts: Record<string, number>) =>
        scores('auto', { context: 0, rest: 0, ...opts }, xs).filter((s, i) => i >= 600 && s >= 0.5).length;
      expect(over({})).toBeGreaterThan(10);
      expect(over({ logscale: 1 })).toBe(0);
    });
  }
});

describe('auto: an onset that repeats at the same phase of the season (`phase`)', () => {
  // A daily cycle with noise; from day 3 a nightly job adds a one-sample spike at the same time every night, and
  // on day 10 the same spike comes at a time of day it never came before.
  const g = gaussian(5);
  const night = (i: number) => i >= 3 * DAY && i % DAY === 40;
  const fresh = 10 * DAY + 200;
  const xs = Array.from(
    { length: 12 * DAY },
    (_, i) => 100 + 20 * Math.sin((2 * Math.PI * i) / DAY) + g() + (night(i) || i === fresh ? 30 : 0),
  );
  const nights = (out: number[]) => out.filter((_, i) => night(i));

  for (const context of [0, 1]) {
    it(`${context ? 'auto' : 'the onsets'}: the first night alarms, the later ones do not, a new time of day does`, () => {
      const out = scores('auto', { context }, xs);
      const [first, ...later] = nights(out);
      expect(first).toBeGreaterThanOrEqual(0.5);
      for (const s of later) expect(s).toBeLessThan(0.5);
      expect(out[fresh]).toBeGreaterThanOrEqual(0.5);
    });
  }

  it('without it (phase=0) the nightly job alarms again on later nights', () => {
    const later = nights(scores('auto', { context: 0, phase: 0 }, xs)).slice(1);
    expect(later.filter((s) => s >= 0.5).length).toBeGreaterThan(0);
  });
});
