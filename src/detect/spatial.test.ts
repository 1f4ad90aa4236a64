import { describe, expect, it } from 'vitest';
import { RED_Z } from './one-step.js';
import { detectors } from './registry.js';
import { RatioSpatialRule, SpatialRule } from './spatial.js';
import { DAY, gaussian, STEP_MS, T0 } from './synthetic.fixture.js';

/** 100,000 samples of stationary noise: Gaussian, AR(1) φ 0.5, or multiplicative (100·e^{0.3·N}). */
function stationary(kind: 'gauss' | 'ar' | 'mul', seed: number): number[] {
  const g = gaussian(seed);
  let x = 0;
  return Array.from({ length: 100_000 }, () => {
    x = (kind === 'ar' ? 0.5 * x : 0) + g();
    return kind === 'mul' ? 100 * Math.exp(0.3 * x) : 100 + 0.5 * x;
  });
}

const fires = (rule: { push(v: number): boolean }, xs: number[], from = 100) =>
  xs.map((x) => rule.push(x)).filter((f, i) => f && i >= from).length;

describe('SpatialRule', () => {
  it('fires on a value beyond the range so far by its share, not before the range is known', () => {
    const r = new SpatialRule(0.05, false, 0);
    expect(r.push(10)).toBe(false);
    expect(r.push(100)).toBe(false);
    for (let i = 0; i < 100; i++) r.push(10 + (i % 10) * 9);
    expect(r.push(103)).toBe(false);
    expect(r.push(110)).toBe(true);
    expect(r.push(2)).toBe(true);
  });

  it('with its guards, holds on plain noise where the published rule fires on its records (30 seeds)', () => {
    let plain = 0;
    let guarded = 0;
    for (let seed = 1; seed <= 30; seed++) {
      const g = gaussian(seed);
      const xs = Array.from({ length: 20_000 }, () => 100 + 0.5 * g());
      plain += fires(new SpatialRule(0.05, false, 0), xs, 600);
      guarded += fires(new SpatialRule(0.05, true, RED_Z), xs, 600);
    }
    expect(plain).toBeGreaterThan(20);
    expect(guarded).toBeLessThanOrEqual(3);
  });
});

describe('SpatialRule with jumpLog', () => {
  // Multiplicative noise (a latency: 100 ms, varying by about 30%): no anomaly in it, but its upper records lie
  // far beyond a Gaussian z of the linear residual.
  const latency = (seed: number) => {
    const g = gaussian(seed);
    return Array.from({ length: 20_000 }, () => 100 * Math.exp(0.3 * g()));
  };

  it('holds on multiplicative noise, where the guards in linear units fire on its upper records (30 seeds)', () => {
    let linear = 0;
    let both = 0;
    for (let seed = 1; seed <= 30; seed++) {
      linear += fires(new SpatialRule(0.05, true, RED_Z), latency(seed), 600);
      both += fires(new SpatialRule(0.05, true, RED_Z, true), latency(seed), 600);
    }
    expect(linear).toBeGreaterThan(15);
    expect(both).toBeLessThanOrEqual(linear / 3);
  });

  it('still fires on a jump of a positive series, and judges a series that reached 0 in linear units only', () => {
    const g = gaussian(3);
    const xs = Array.from({ length: 1000 }, () => 100 * Math.exp(0.3 * g()));
    const r = new SpatialRule(0.05, true, RED_Z, true);
    for (const x of xs) r.push(x);
    expect(r.push(2000)).toBe(true);
    const z = new SpatialRule(0.05, true, RED_Z, true);
    for (const x of xs) z.push(x - 50);
    expect(z.push(2000)).toBe(true);
  });
});

describe('SpatialRule with a residual tail', () => {
  const latency = (seed: number, sigma: number) => {
    const g = gaussian(seed);
    return Array.from({ length: 20_000 }, () => 100 * Math.exp(sigma * g()));
  };

  it('holds on multiplicative noise, where the Gaussian z fires on its upper records (30 seeds)', () => {
    for (const sigma of [0.3, 0.6]) {
      let gaussianZ = 0;
      let ownTail = 0;
      for (let seed = 1; seed <= 30; seed++) {
        gaussianZ += fires(new SpatialRule(0.05, true, RED_Z), latency(seed, sigma), 600);
        ownTail += fires(new SpatialRule(0.05, true, RED_Z, false, 1), latency(seed, sigma), 600);
      }
      expect(gaussianZ, `σ ${sigma}`).toBeGreaterThan(20);
      expect(ownTail, `σ ${sigma}`).toBeLessThanOrEqual(4);
    }
  });

  it('is as quiet as before on Gaussian and AR(1) noise (30 seeds)', () => {
    for (const phi of [0, 0.5, 0.9]) {
      let before = 0;
      let now = 0;
      for (let seed = 1; seed <= 30; seed++) {
        const g = gaussian(seed);
        let x = 0;
        const xs = Array.from({ length: 20_000 }, () => {
          x = phi * x + 0.5 * g();
          return 100 + x;
        });
        before += fires(new SpatialRule(0.05, true, RED_Z), xs, 600);
        now += fires(new SpatialRule(0.05, true, RED_Z, false, 1), xs, 600);
      }
      expect(now, `φ ${phi}`).toBeLessThanOrEqual(before);
      expect(now, `φ ${phi}`).toBeLessThanOrEqual(3);
    }
  });

  it('still fires on a spike of a skewed series, up or down', () => {
    for (const seed of [1, 2, 3]) {
      const xs = latency(seed, 0.3);
      const up = new SpatialRule(0.05, true, RED_Z, false, 1);
      const down = new SpatialRule(0.05, true, RED_Z, false, 1);
      for (const x of xs.slice(0, 5000)) {
        up.push(x);
        down.push(x + 1000);
      }
      // Eight of the noise's own spreads on its scale (100·e^{2.4}); a drop of 1000 on a series near 1100.
      expect(up.push(100 * Math.exp(2.4)), `seed ${seed}`).toBe(true);
      expect(down.push(100), `seed ${seed}`).toBe(true);
    }
  });

  it('waits for the residuals it is told to, and is the rule without it until then', () => {
    const xs = latency(4, 0.6).slice(0, 8000);
    const plain = new SpatialRule(0.05, true, RED_Z);
    const late = new SpatialRule(0.05, true, RED_Z, false, 8640);
    expect(xs.map((x) => late.push(x))).toEqual(xs.map((x) => plain.push(x)));
    expect(late.byteLength).toBeLessThanOrEqual(256);
  });
});

describe('RatioSpatialRule', () => {
  // A rate with multiplicative noise (a cost per click: 0.3, varying by about 30% an hour), which collapses to a
  // fiftieth of its level at sample 2000.
  const rate = (seed: number, n: number, at = -1) => {
    const g = gaussian(seed);
    return Array.from({ length: n }, (_, i) => (i === at ? 0.006 : 0.3 * Math.exp(0.3 * g())));
  };

  it('fires on a positive rate that collapses by a factor, where the rule in linear units does not', () => {
    for (const seed of [1, 2, 3]) {
      const xs = rate(seed, 2001, 2000);
      const linear = new SpatialRule(0.05, true, RED_Z);
      const ratio = new RatioSpatialRule(0.05, true, RED_Z);
      const l = xs.map((x) => linear.push(x));
      const r = xs.map((x) => ratio.push(x));
      expect(l[2000], `seed ${seed}`).toBe(false);
      expect(r[2000], `seed ${seed}`).toBe(true);
    }
  });

  it('is the rule on ln(value): as quiet on multiplicative noise as the rule on plain noise (30 seeds)', () => {
    let ratio = 0;
    let plain = 0;
    for (let seed = 1; seed <= 30; seed++) {
      ratio += fires(new RatioSpatialRule(0.05, true, RED_Z), rate(seed, 20_000), 600);
      const g = gaussian(seed);
      plain += fires(
        new SpatialRule(0.05, true, RED_Z),
        Array.from({ length: 20_000 }, () => 0.3 * g()),
        600,
      );
    }
    expect(ratio).toBe(plain);
  });

  it('is off for good once a value is 0 or below (not a ratio scale), and ignores nothing else', () => {
    const r = new RatioSpatialRule(0.05, false, 0);
    for (let i = 0; i < 200; i++) r.push(1 + (i % 10) / 10);
    expect(r.push(0.01)).toBe(true);
    r.push(0);
    expect(r.push(1e-6)).toBe(false);
    expect(r.byteLength).toBeLessThanOrEqual(256);
  });
});

describe('auto with ratio=1', () => {
  const scores = (opts: Record<string, number>, xs: number[]) => {
    const d = detectors.get('auto')(opts);
    return xs.map((v, i) => d.observe(T0 + i * STEP_MS, v));
  };

  for (const seed of [1, 2, 3]) {
    it(`changes no score on gentle noise, nor on a daily cycle whose nights come near 0 (20,000 samples, seed ${seed})`, () => {
      const g = gaussian(seed);
      const gentle = Array.from({ length: 20_000 }, () => 100 + 0.5 * g());
      expect(scores({ ratio: 1 }, gentle)).toEqual(scores({}, gentle));
      // Traffic: 95 by day, 5 at night, 10% multiplicative noise: the nights' new lows are noise on either scale.
      const traffic = Array.from(
        { length: 20_000 },
        (_, i) => 50 * (1 + 0.9 * Math.sin((2 * Math.PI * i) / DAY)) * Math.exp(0.1 * g()),
      );
      expect(fires(new RatioSpatialRule(0.05, true, RED_Z), traffic, 600)).toBe(0);
      expect(scores({ ratio: 1 }, traffic)).toEqual(scores({}, traffic));
    });
  }

  it('scores the collapse of a rate 1, where auto without it scores it lower', () => {
    const g = gaussian(11);
    const xs = Array.from({ length: 2001 }, (_, i) => (i === 2000 ? 0.006 : 0.3 * Math.exp(0.3 * g())));
    expect(scores({ ratio: 1 }, xs)[2000]).toBe(1);
    expect(scores({}, xs)[2000]).toBeLessThan(1);
  });
});

describe('SpatialRule with rangeMemory', () => {
  /** The rule's range and mean step as they were before `rangeMemory` (whole history), written out, no jump. */
  const wholeHistory = (share: number) => {
    let lo = Infinity;
    let hi = -Infinity;
    let sum = 0;
    let steps = 0;
    let prev = Number.NaN;
    return (v: number) => {
      const range = hi - lo;
      const tol = Math.max(share * range, steps > 0 ? sum / steps : 0);
      const out = range > 0 && (v > hi + tol || v < lo - tol);
      if (Number.isFinite(prev)) {
        sum += Math.abs(v - prev);
        steps++;
      }
      prev = v;
      lo = Math.min(lo, v);
      hi = Math.max(hi, v);
      return out;
    };
  };

  // Gaussian noise at 100 ± 0.5 for 20,000 samples, an hour (12 samples) at +40 (ten times the noise's range),
  // then after `gap` samples one value of 6 spreads, up or down.
  const excursion = (seed: number, gap: number, dir: number) => {
    const g = gaussian(seed);
    const at = 20_012 + gap;
    const xs = Array.from({ length: at + 1 }, () => 100 + 0.5 * g());
    for (let i = 20_000; i < 20_012; i++) xs[i]! += 40;
    xs[at]! += dir * 3;
    return xs;
  };
  const rule = (m: number) => new SpatialRule(0.05, true, RED_Z, false, 0, 2016, m);

  it('with 0 is the rule over the whole history, value for value (a random walk with jumps)', () => {
    const g = gaussian(5);
    let x = 0;
    const xs = Array.from({ length: 30_000 }, (_, i) => {
      x += g() + (i % 997 === 0 ? 40 * g() : 0);
      return x;
    });
    const old = wholeHistory(0.05);
    const now = new SpatialRule(0.05, true, 0, false, 0, 0, 0);
    expect(xs.map((v) => now.push(v))).toEqual(xs.map(old));
  });

  it('catches a moderate value after a past excursion has left its horizon; without it, never (10 seeds)', () => {
    for (const dir of [1, -1]) {
      let withMemory = 0;
      let without = 0;
      for (let seed = 1; seed <= 10; seed++) {
        const xs = excursion(seed, 10_368, dir);
        const a = rule(2016);
        const b = rule(0);
        const fa = xs.map((v) => a.push(v));
        const fb = xs.map((v) => b.push(v));
        if (fa[xs.length - 1]) withMemory++;
        if (fb[xs.length - 1]) without++;
      }
      // Measured 8 (up) and 9 (down) of 10: a value of 6 spreads is not always beyond the rule's tolerance.
      expect(withMemory, `dir ${dir}`).toBeGreaterThanOrEqual(7);
      expect(without, `dir ${dir}`).toBe(0);
    }
  });

  it('is as quiet on stationary noise as the whole history (10 seeds of 100,000: Gaussian, AR(1), ×e^{0.3N})', () => {
    for (const kind of ['gauss', 'ar', 'mul'] as const) {
      let before = 0;
      let now = 0;
      for (let seed = 1; seed <= 10; seed++) {
        const xs = stationary(kind, seed);
        before += fires(rule(0), xs, 600);
        now += fires(rule(2016), xs, 600);
      }
      expect(now, kind).toBeLessThanOrEqual(before + 1);
    }
  });

  it('judges by the recent mean step once the noise has calmed', () => {
    // A sawtooth between 0 and 10 for 20,000 steps (a step of 10), then 5 ± 0.01 for 40,000: the range stays
    // 0..10, the mean step of the whole history is still about 3.3, that of the last weeks about 0.01.
    const g = gaussian(2);
    const xs = Array.from({ length: 60_000 }, (_, i) => (i < 20_000 ? 10 * (i % 2) : 5 + 0.01 * g()));
    xs.push(12);
    const recent = new SpatialRule(1e-9, true, 0, false, 0, 0, 2016);
    const whole = new SpatialRule(1e-9, true, 0, false, 0, 0, 0);
    expect(xs.map((v) => recent.push(v)).at(-1)).toBe(true);
    expect(xs.map((v) => whole.push(v)).at(-1)).toBe(false);
  });

  it('throws on a horizon too short to hold blocks, and stays small', () => {
    expect(() => new SpatialRule(0.05, true, RED_Z, false, 0, 0, 4)).toThrow(RangeError);
    expect(() => detectors.get('auto')({ rangememory: 4 })).toThrow(RangeError);
    expect(rule(8640).byteLength).toBeLessThanOrEqual(512);
  });
});

describe('auto with rangememory', () => {
  it('scores a moderate value after a past excursion higher than without (5 seeds, on average)', () => {
    let withMemory = 0;
    let without = 0;
    for (let seed = 1; seed <= 5; seed++) {
      const xs = excursion2(seed);
      const top = (m: number) => {
        const d = detectors.get('auto')({ rangememory: m });
        return Math.max(...xs.map((v, i) => d.observe(T0 + i * STEP_MS, v)).slice(-30));
      };
      withMemory += top(2016) / 5;
      without += top(0) / 5;
    }
    expect(withMemory).toBeGreaterThan(without + 0.15);
  });
});

/** As `excursion` above, upward, with 29 ordinary values after the anomaly. */
function excursion2(seed: number): number[] {
  const g = gaussian(seed);
  const at = 20_012 + 10_368;
  const xs = Array.from({ length: at + 30 }, () => 100 + 0.5 * g());
  for (let i = 20_000; i < 20_012; i++) xs[i]! += 40;
  xs[at]! += 3;
  return xs;
}

describe('SpatialRule with a robust fit', () => {
  const rule = (robust: boolean, rangeMemory = 2016) =>
    new SpatialRule(0.05, true, RED_Z, false, 0, 2016, rangeMemory, robust);

  it('catches a moderate value 8 days after an excursion once the range forgot it; the plain fit, hardly (10 seeds)', () => {
    let robust = 0;
    let plain = 0;
    for (let seed = 1; seed <= 10; seed++) {
      const xs = excursion3(seed, 2304);
      const a = rule(true);
      const b = rule(false);
      if (xs.map((v) => a.push(v)).at(-1)) robust++;
      if (xs.map((v) => b.push(v)).at(-1)) plain++;
    }
    // Measured 9 and 0 of 10: the plain fit reads the value as z 2.9 on average, the robust one as 5.8.
    expect(robust).toBeGreaterThanOrEqual(7);
    expect(plain).toBeLessThanOrEqual(1);
  });

  it('follows a lasting level shift of 10 spreads: no alarm from a day after it (10 seeds of 30,000)', () => {
    for (let seed = 1; seed <= 10; seed++) {
      const g = gaussian(seed);
      const xs = Array.from({ length: 30_000 }, (_, i) => 100 + 0.5 * g() + (i >= 20_000 ? 5 : 0));
      const r = rule(true, 0);
      const late = xs.map((v) => r.push(v)).filter((f, i) => f && i >= 20_288).length;
      expect(late, `seed ${seed}`).toBe(0);
    }
  });

  it('is as quiet on stationary noise as the plain fit (10 seeds of 100,000: Gaussian, AR(1), ×e^{0.3N})', () => {
    for (const kind of ['gauss', 'ar', 'mul'] as const) {
      let before = 0;
      let now = 0;
      for (let seed = 1; seed <= 10; seed++) {
        const xs = stationary(kind, seed);
        before += fires(rule(false, 0), xs, 600);
        now += fires(rule(true, 0), xs, 600);
      }
      expect(now, kind).toBeLessThanOrEqual(before + 1);
    }
  });
});

/** Gaussian noise 100 ± 0.5, an hour at +40 from 20,000, and `gap` samples after it one value of +6 spreads. */
function excursion3(seed: number, gap: number): number[] {
  const g = gaussian(seed);
  const at = 20_012 + gap;
  const xs = Array.from({ length: at + 1 }, () => 100 + 0.5 * g());
  for (let i = 20_000; i < 20_012; i++) xs[i]! += 40;
  xs[at]! += 3;
  return xs;
}
