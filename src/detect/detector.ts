/**
 * The streaming-detector contract. One instance watches one series: it sees samples in time order, never a
 * later one (no look-ahead), keeps bounded state, and answers each sample with a score in 0..1 at once, so a
 * daemon can run thousands of series and the NAB harness can stream a file row by row.
 */
export interface StreamDetector {
  readonly name: string;
  /**
   * Observes one sample and returns its anomaly score in 0..1 (0 while warming up). Non-finite values are
   * ignored (score 0): a gap in a series is not evidence. Returns a number, not an object: the hot path of a
   * million samples a second must not allocate.
   */
  observe(at: number, value: number): number;
  /** What the last sample was compared with (for a finding's evidence): the expected value and its spread. */
  expectation(): Expectation;
  /** Bytes of state this series holds (typed arrays plus scalars), to prove the memory bound. */
  stateBytes(): number;
}

export interface Expectation {
  expected: number;
  spread: number;
}

/** Numeric knobs only: they come from config (`detect: { options: {...} }`) and the CLI. */
export type DetectorOptions = Readonly<Record<string, number>>;

export type DetectorFactory = (opts?: DetectorOptions) => StreamDetector;

/** Scalar fields of a detector, each counted as one 8-byte slot; typed arrays add their byteLength. */
export function bytesOf(scalars: number, ...arrays: (ArrayBufferView | null | undefined)[]): number {
  let n = scalars * 8;
  for (const a of arrays) if (a) n += a.byteLength;
  return n;
}

/** Reads an option with a default, rejecting nonsense early rather than producing NaN scores later. */
export function opt(
  opts: DetectorOptions | undefined,
  key: string,
  fallback: number,
  min = -Infinity,
): number {
  const v = opts?.[key];
  if (v === undefined) return fallback;
  if (!Number.isFinite(v) || v < min) throw new Error(`detector option ${key}=${v} is out of range`);
  return v;
}

/**
 * Maps a z-like deviation (≥ 0) to 0..1: 0.5 at `center`, steep around it. Standalone detectors use it so
 * that "score ≥ 0.5" means "about `center` spreads away" (the default finding threshold, 0.65, is about
 * `center` + 0.15 × `center` spreads).
 */
export function squash(z: number, center: number, width = center / 4): number {
  return 1 / (1 + Math.exp(-(z - center) / width));
}
