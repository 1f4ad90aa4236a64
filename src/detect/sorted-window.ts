/**
 * A sliding window kept both in arrival order (a ring) and sorted, so the median is O(1) and the MAD O(n/2)
 * per sample with no allocation: insertion and removal are a binary search plus one copyWithin. Values are
 * kept as float32 (half the memory; seven significant digits are plenty to judge a deviation), rounded once on
 * the way in so the ring and the sorted copy always agree.
 */
export class SortedWindow {
  private readonly ring: Float32Array;
  private readonly sorted: Float32Array;
  private head = 0;
  private n = 0;

  constructor(readonly capacity: number) {
    this.ring = new Float32Array(capacity);
    this.sorted = new Float32Array(capacity);
  }

  get size(): number {
    return this.n;
  }

  get byteLength(): number {
    return this.ring.byteLength + this.sorted.byteLength + 16;
  }

  clear(): void {
    this.head = 0;
    this.n = 0;
  }

  push(value: number): void {
    const x = Math.fround(value);
    const s = this.sorted;
    if (this.n === this.capacity) {
      const old = this.ring[this.head]!;
      const at = this.lowerBound(old);
      s.copyWithin(at, at + 1, this.n);
      this.n--;
    }
    this.ring[this.head] = x;
    this.head = (this.head + 1) % this.capacity;
    const at = this.lowerBound(x);
    s.copyWithin(at + 1, at, this.n);
    s[at] = x;
    this.n++;
  }

  /** The k-th smallest (0-based). */
  at(k: number): number {
    return this.sorted[k]!;
  }

  median(): number {
    const n = this.n;
    if (n === 0) return Number.NaN;
    const m = n >> 1;
    return n & 1 ? this.sorted[m]! : (this.sorted[m - 1]! + this.sorted[m]!) / 2;
  }

  /**
   * Median absolute deviation from `center` (normally the median). The deviations of the values below and
   * above the center are each sorted already, so a two-way merge up to the middle finds it.
   */
  mad(center: number): number {
    const n = this.n;
    if (n === 0) return Number.NaN;
    const s = this.sorted;
    let hi = this.lowerBound(center);
    let lo = hi - 1;
    const k = n >> 1;
    let last = 0;
    let prev = 0;
    for (let i = 0; i <= k; i++) {
      prev = last;
      const dl = lo >= 0 ? center - s[lo]! : Infinity;
      const dh = hi < n ? s[hi]! - center : Infinity;
      if (dl <= dh) {
        last = dl;
        lo--;
      } else {
        last = dh;
        hi++;
      }
    }
    return n & 1 ? last : (last + prev) / 2;
  }

  private lowerBound(x: number): number {
    let lo = 0;
    let hi = this.n;
    const s = this.sorted;
    while (lo < hi) {
      const mid = (lo + hi) >> 1;
      if (s[mid]! < x) lo = mid + 1;
      else hi = mid;
    }
    return lo;
  }
}
