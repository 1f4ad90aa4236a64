import { describe, expect, it } from 'vitest';
import { CLIP_Z, OneStepRegression } from './one-step.js';
import { detectors } from './registry.js';
import { gaussian, STEP_MS, T0 } from './synthetic.fixture.js';

function fed(phi: number, n: number, seed = 3): { fit: OneStepRegression; last: number } {
  const g = gaussian(seed);
  const fit = new OneStepRegression();
  let x = 0;
  for (let i = 0; i < n; i++) {
    x = phi * x + 0.5 * g();
    fit.push(50 + x);
  }
  return { fit, last: 50 + x };
}

describe('OneStepRegression', () => {
  it('says nothing before it has pairs to fit', () => {
    const fit = new OneStepRegression();
    fit.push(1);
    fit.push(2);
    expect(fit.innovation(100)).toBe(0);
  });

  it('on a drifting series, the next ordinary step is a small innovation and a jump of 4 steps a large one', () => {
    const { fit, last } = fed(0.9, 5000);
    // The residual spread is the innovations' 0.5; the level's own spread is 0.5 / √(1 − 0.81) ≈ 1.15.
    expect(Math.abs(fit.innovation(last))).toBeLessThan(1.5);
    expect(fit.innovation(last + 2)).toBeGreaterThan(3);
    expect(fit.innovation(last - 2)).toBeLessThan(-3);
  });

  it('on independent noise it is a z-score against the mean', () => {
    const { fit } = fed(0, 5000);
    expect(fit.innovation(50 + 1)).toBeCloseTo(2, 0);
    expect(fit.innovation(50)).toBeCloseTo(0, 0);
  });

  it('ignores non-finite values and holds a few numbers of state', () => {
    const { fit, last } = fed(0.5, 1000);
    const before = fit.innovation(last + 1);
    fit.push(Number.NaN);
    expect(fit.innovation(last + 1)).toBe(before);
    expect(fit.byteLength).toBeLessThanOrEqual(72);
  });

  it('throws on a memory too short to fit', () => {
    expect(() => new OneStepRegression(1)).toThrow(RangeError);
    expect(() => new OneStepRegression(Number.NaN)).toThrow(RangeError);
    expect(() => new OneStepRegression(3)).not.toThrow();
  });
});

/** The fit as it was before `memory`: plain running sums over the whole history (Welford), written out. */
class WholeHistory {
  n = 0;
  prev = Number.NaN;
  mA = 0;
  mB = 0;
  sA = 0;
  sB = 0;
  c = 0;
  innovation(x: number): number {
    if (this.n < 3 || !Number.isFinite(this.prev)) return 0;
    const varA = this.sA / this.n;
    const slope = varA > 0 ? this.c / this.sA : 0;
    const rv = Math.max(0, this.sB - (varA > 0 ? (this.c * this.c) / this.sA : 0)) / this.n;
    return (x - (this.mB + slope * (this.prev - this.mA))) / (Math.sqrt(rv) + 1e-9 * (1 + Math.abs(this.mB)));
  }
  push(x: number): void {
    const a = this.prev;
    this.prev = x;
    if (!Number.isFinite(a)) return;
    const n = ++this.n;
    const dA = a - this.mA;
    this.mA += dA / n;
    const dB = x - this.mB;
    this.mB += dB / n;
    this.sA += dA * (a - this.mA);
    this.sB += dB * (x - this.mB);
    this.c += dA * (x - this.mB);
  }
}

/** AR(1) noise (φ 0.5) at 50 ± 0.5; from `at` on, a deploy doubles the level and the noise. */
function deploy(seed: number, n: number, at: number): number[] {
  const g = gaussian(seed);
  let e = 0;
  return Array.from({ length: n }, (_, i) => {
    e = 0.5 * e + g();
    return i < at ? 50 + 0.5 * e : 100 + e;
  });
}

/** Share of |innovation| > 3 among values [from, to) of `xs`, each judged before it is learnt. */
function beyond3(fit: OneStepRegression, xs: number[], from: number, to: number): number {
  let big = 0;
  xs.forEach((x, i) => {
    if (i >= from && i < to && Math.abs(fit.innovation(x)) > 3) big++;
    fit.push(x);
  });
  return big / (to - from);
}

describe('OneStepRegression with memory', () => {
  it('without memory (0 or absent) gives bit-identical innovations to the whole-history fit', () => {
    const g = gaussian(11);
    const ref = new WholeHistory();
    const fits = [new OneStepRegression(), new OneStepRegression(0)];
    let x = 0;
    for (let i = 0; i < 5000; i++) {
      // A random walk with jumps and a level change: every branch of the fit is exercised.
      x += g() + (i % 997 === 0 ? 40 : 0) + (i === 2500 ? -300 : 0);
      const want = ref.innovation(x);
      for (const f of fits) expect(f.innovation(x)).toBe(want);
      ref.push(x);
      for (const f of fits) f.push(x);
    }
  });

  it('is the whole-history fit until more than `memory` pairs were seen', () => {
    const xs = deploy(5, 400, 200);
    const plain = new OneStepRegression();
    const fading = new OneStepRegression(300);
    // Values 0..301 are judged by fits of at most 300 pairs; value 301 makes pair 301, the first that forgets.
    for (const x of xs.slice(0, 302)) {
      expect(fading.innovation(x)).toBe(plain.innovation(x));
      plain.push(x);
      fading.push(x);
    }
    expect(fading.innovation(xs[302]!)).not.toBe(plain.innovation(xs[302]!));
  });

  it('after a deploy doubles level and noise, ordinary steps return to |z| < 3 within a few memories; without, not', () => {
    const memory = 500;
    const at = 20_000;
    for (let seed = 1; seed <= 5; seed++) {
      const xs = deploy(seed, at + 6 * memory, at);
      // From 2 to 6 memories after the change: a Gaussian leaves 0.27% beyond |z| 3.
      const fading = beyond3(new OneStepRegression(memory), xs, at + 2 * memory, at + 6 * memory);
      const whole = beyond3(new OneStepRegression(), xs, at + 2 * memory, at + 6 * memory);
      expect(fading).toBeLessThan(0.01);
      // The whole history's residual spread is mostly the old regime's: the new noise reads as 2 spreads wide.
      expect(whole).toBeGreaterThan(0.03);
    }
  });

  it('on stationary noise its innovations stay calibrated: |z| > 3 about as often as a Gaussian (0.27%)', () => {
    for (const memory of [288, 2016]) {
      let share = 0;
      for (let seed = 1; seed <= 10; seed++)
        share += beyond3(new OneStepRegression(memory), deploy(seed, 20_000, Infinity), 100, 20_000);
      share /= 10;
      expect(share).toBeGreaterThan(0.0015);
      expect(share).toBeLessThan(0.0045);
    }
  });

  it("reaches `auto`'s spatial rule as the option `jumpmemory`", () => {
    // A memory too short to fit is refused by the fit itself: the option got there.
    expect(() => detectors.get('auto')({ jumpmemory: 1 })).toThrow(RangeError);
    expect(() => detectors.get('auto')({ jumpmemory: 2016 })).not.toThrow();
  });
});

/**
 * Gaussian noise 100 ± 0.5; an hour (12 samples) at +40 (80 spreads) at 20,000 unless `clean`; `gap` samples
 * after it, `jump`.
 */
function excursion(seed: number, gap: number, jump: number, clean = false): number[] {
  const g = gaussian(seed);
  const at = 20_012 + gap;
  const xs = Array.from({ length: at + 1 }, () => 100 + 0.5 * g());
  if (!clean) for (let i = 20_000; i < 20_012; i++) xs[i]! += 40;
  xs[at]! += jump;
  return xs;
}

/** The innovation of the last value of `xs`, the fit fed every one before it. */
function lastInnovation(fit: OneStepRegression, xs: number[]): number {
  for (const x of xs.slice(0, -1)) fit.push(x);
  return fit.innovation(xs.at(-1)!);
}

describe('OneStepRegression with a clip', () => {
  it('with clip 0 gives bit-identical innovations to the fit without one, with and without memory', () => {
    const g = gaussian(12);
    const pairs = [
      [new OneStepRegression(), new OneStepRegression(0, 0)],
      [new OneStepRegression(300), new OneStepRegression(300, 0)],
    ] as const;
    let x = 0;
    for (let i = 0; i < 5000; i++) {
      x += g() + (i % 997 === 0 ? 40 : 0) + (i === 2500 ? -300 : 0);
      for (const [a, b] of pairs) {
        expect(b.innovation(x)).toBe(a.innovation(x));
        a.push(x);
        b.push(x);
      }
    }
  });

  it('throws on a clip at or below one spread', () => {
    expect(() => new OneStepRegression(0, 1)).toThrow(RangeError);
    expect(() => new OneStepRegression(0, -3)).toThrow(RangeError);
    expect(() => new OneStepRegression(0, Number.NaN)).toThrow(RangeError);
    expect(() => new OneStepRegression(2016, CLIP_Z)).not.toThrow();
  });

  it('after an excursion of 80 spreads, a jump of 6 spreads reads as without the excursion; unclipped, far less (10 seeds)', () => {
    for (const gap of [432, 2304]) {
      for (let seed = 1; seed <= 10; seed++) {
        const xs = excursion(seed, gap, 3);
        const clean = lastInnovation(new OneStepRegression(2016, CLIP_Z), excursion(seed, gap, 3, true));
        const clipped = lastInnovation(new OneStepRegression(2016, CLIP_Z), xs);
        expect(Math.abs(clipped - clean), `gap ${gap}, seed ${seed}`).toBeLessThan(0.1 * clean);
        expect(lastInnovation(new OneStepRegression(2016), xs), `gap ${gap}`).toBeLessThan(0.75 * clean);
      }
    }
  });

  it('on stationary noise its innovations stay calibrated: |z| > 3 about as often as a Gaussian (0.27%)', () => {
    let share = 0;
    for (let seed = 1; seed <= 10; seed++)
      share += beyond3(new OneStepRegression(2016, CLIP_Z), deploy(seed, 20_000, Infinity), 100, 20_000);
    share /= 10;
    expect(share).toBeGreaterThan(0.0015);
    expect(share).toBeLessThan(0.0045);
  });

  it('still learns a lasting change: after a deploy doubles level and noise, |z| > 3 below 1% within a few memories', () => {
    const memory = 500;
    const at = 20_000;
    for (let seed = 1; seed <= 5; seed++) {
      const xs = deploy(seed, at + 6 * memory, at);
      expect(
        beyond3(new OneStepRegression(memory, CLIP_Z), xs, at + 2 * memory, at + 6 * memory),
      ).toBeLessThan(0.01);
    }
  });

  it("reaches `auto`'s spatial rule as the option `jumprobust`", () => {
    const xs = excursion(1, 2304, 3);
    const top = (o: Record<string, number>) => {
      const d = detectors.get('auto')(o);
      return xs.map((v, i) => d.observe(T0 + i * STEP_MS, v)).at(-1)!;
    };
    // The range forgets the excursion (rangememory); only the robust fit lets the rule call the value a jump.
    expect(top({ rangememory: 2016, jumprobust: 1 })).toBe(1);
    expect(top({ rangememory: 2016 })).toBeLessThan(1);
  });
});
