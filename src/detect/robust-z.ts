import {
  bytesOf,
  type DetectorOptions,
  type Expectation,
  opt,
  type StreamDetector,
  squash,
} from './detector.js';
import { SortedWindow } from './sorted-window.js';

/** MAD × 1.4826 estimates σ for normal data; the median and MAD ignore the outliers a mean would chase. */
const MAD_TO_SIGMA = 1.4826;

/**
 * Robust z-score: how many robust standard deviations the sample lies from the median of the last `window`
 * samples. The sample is scored before it joins the window, so a spike is judged against what came before it.
 */
export class RobustZDetector implements StreamDetector {
  readonly name = 'robust-z';
  private readonly win: SortedWindow;
  private readonly minSamples: number;
  private readonly center: number;
  private lastExpected = Number.NaN;
  private lastSpread = Number.NaN;
  private lastZ = 0;
  /** The last value, and the smallest change between two values so far: the series' resolution. */
  private prev = Number.NaN;
  private quantum = Number.POSITIVE_INFINITY;

  constructor(opts?: DetectorOptions) {
    this.win = new SortedWindow(Math.round(opt(opts, 'window', 128, 8)));
    this.minSamples = Math.min(this.win.capacity, Math.round(opt(opts, 'minSamples', 16, 3)));
    this.center = opt(opts, 'z', 5, 0.5);
  }

  /** The raw deviation of the last sample in robust σ (the ensemble calibrates this itself). */
  z(): number {
    return this.lastZ;
  }

  observe(_at: number, value: number): number {
    if (!Number.isFinite(value)) return 0;
    this.lastZ = this.deviation(value);
    this.win.push(value);
    const step = Math.abs(value - this.prev);
    if (step > 0 && step < this.quantum) this.quantum = step;
    this.prev = value;
    return this.lastZ > 0 ? squash(this.lastZ, this.center) : 0;
  }

  /** z of `value` against the window as it stands, without observing it. */
  deviation(value: number): number {
    if (this.win.size < this.minSamples) return 0;
    const med = this.win.median();
    const spread = robustSpread(this.win, med, this.quantum);
    this.lastExpected = med;
    this.lastSpread = spread;
    return Math.abs(value - med) / spread;
  }

  expectation(): Expectation {
    return { expected: this.lastExpected, spread: this.lastSpread };
  }

  stateBytes(): number {
    return bytesOf(8) + this.win.byteLength;
  }
}

/**
 * σ from the MAD, falling back to the inter-decile range, then to the range: a series that sits on one value
 * most of the time (MAD 0) would otherwise make every change an infinite z. A window of one value says only
 * that the spread is finer than the series can show: it is taken as a range of one `quantum` (the smallest
 * change the series has made), so a count that is mostly 0 scores its usual 1s and 2s after a quiet window as
 * it does after a window holding one. Before any change (quantum infinite), a sliver of the level: a flat
 * series that first moves is far out.
 */
export function robustSpread(win: SortedWindow, med: number, quantum = Number.POSITIVE_INFINITY): number {
  const mad = win.mad(med) * MAD_TO_SIGMA;
  if (mad > 0) return mad;
  const n = win.size;
  const idr = (win.at(Math.floor(0.9 * (n - 1))) - win.at(Math.ceil(0.1 * (n - 1)))) / 2.563;
  if (idr > 0) return idr;
  const range = (win.at(n - 1) - win.at(0)) / 4;
  if (range > 0) return range;
  if (quantum < Number.POSITIVE_INFINITY) return Math.max(quantum / 4, 1e-12);
  return Math.max(1e-6 * Math.abs(med), 1e-12);
}
