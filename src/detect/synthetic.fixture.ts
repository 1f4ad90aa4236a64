/** Synthetic series with known anomalies for detector tests: seeded, so every run sees the same numbers. */
export function uniform(seed: number): () => number {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = Math.imul(a ^ (a >>> 15), a | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return (((t ^ (t >>> 14)) >>> 0) + 1) / 4294967297;
  };
}

export function gaussian(seed: number): () => number {
  const u = uniform(seed);
  return () => Math.sqrt(-2 * Math.log(u())) * Math.cos(2 * Math.PI * u());
}

/**
 * A count that is mostly 0 (errors per interval of a healthy service): 2% of samples hold 1, 2 or 3.
 */
export function sparseCounts(seed: number): () => number {
  const u = uniform(seed);
  return () => (u() < 0.02 ? (u() < 0.7 ? 1 : u() < 0.7 ? 2 : 3) : 0);
}

export const STEP_MS = 300_000;
export const T0 = Date.UTC(2026, 0, 1);
/** Samples per day at 5-minute steps. */
export const DAY = 288;

export interface Synthetic {
  name: string;
  values: number[];
  /** Index where the anomaly starts (-1: none). */
  onset: number;
}

/** Each kind of anomaly at sample 3000 of a 4000-sample series with a daily cycle and noise. */
export function syntheticSeries(seed = 7): Synthetic[] {
  const n = 4000;
  const at = 3000;
  const base = (i: number) => 100 + 20 * Math.sin((2 * Math.PI * i) / DAY);
  const make = (name: string, f: (i: number, noise: number) => number, onset = at): Synthetic => {
    const g = gaussian(seed);
    return { name, onset, values: Array.from({ length: n }, (_, i) => f(i, g())) };
  };
  return [
    make('normal', (i, e) => base(i) + 2 * e, -1),
    make('spike', (i, e) => base(i) + 2 * e + (i === at ? 40 : 0)),
    make('level shift', (i, e) => base(i) + 2 * e + (i >= at ? 15 : 0)),
    make('trend', (i, e) => base(i) + 2 * e + (i >= at ? 0.1 * (i - at) : 0)),
    make(
      'seasonality change',
      (i, e) => (i >= at ? 100 + 20 * Math.sin((2 * Math.PI * i) / DAY + Math.PI) : base(i)) + 2 * e,
    ),
    make('variance change', (i, e) => base(i) + (i >= at ? 10 : 2) * e),
  ];
}
