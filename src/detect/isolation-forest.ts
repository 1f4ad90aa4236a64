import { bytesOf, type DetectorOptions, type Expectation, opt, type StreamDetector } from './detector.js';

/** Average path length of an unsuccessful search in a binary search tree of n points: the iForest normaliser. */
function avgPath(n: number): number {
  if (n <= 1) return 0;
  if (n === 2) return 1;
  return 2 * (Math.log(n - 1) + 0.5772156649) - (2 * (n - 1)) / n;
}

/** A small deterministic PRNG (mulberry32): the same stream gives the same scores, run after run. */
function rng(seed: number): () => number {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

/**
 * Streaming isolation forest over a vector (a service's response time, error rate, CPU, memory, throughput,
 * database latency...). It keeps the last `sample` vectors in a ring and rebuilds its trees from them every
 * `refit` observations, so it follows drift with bounded memory. Each vector is scored against trees built from
 * earlier vectors only. Trees are stored flat in typed arrays (feature, split, size per node).
 */
export class IsolationForest {
  private readonly buf: Float64Array;
  private readonly feature: Int8Array;
  private readonly split: Float64Array;
  private readonly size: Uint16Array;
  private readonly nodes: number;
  private readonly random: () => number;
  private count = 0;
  private fitted = false;
  private lastScore = 0;

  constructor(
    readonly dims: number,
    private readonly trees = 25,
    private readonly sample = 64,
    private readonly refit = 64,
    seed = 1,
  ) {
    if (dims < 1 || dims > 127) throw new Error('isolation forest: 1..127 dimensions');
    this.buf = new Float64Array(sample * dims);
    const depth = Math.ceil(Math.log2(sample));
    this.nodes = 2 ** (depth + 1) - 1;
    this.feature = new Int8Array(trees * this.nodes);
    this.split = new Float64Array(trees * this.nodes);
    this.size = new Uint16Array(trees * this.nodes);
    this.random = rng(seed);
  }

  get byteLength(): number {
    return this.buf.byteLength + this.feature.byteLength + this.split.byteLength + this.size.byteLength + 48;
  }

  /** Scores the vector (0.5 ≈ ordinary, → 1 isolated at once), then learns from it. */
  observe(x: ArrayLike<number>): number {
    const s = this.fitted ? this.score(x) : 0;
    const slot = this.count % this.sample;
    for (let d = 0; d < this.dims; d++) this.buf[slot * this.dims + d] = x[d] ?? 0;
    this.count++;
    if (this.count >= this.sample && (this.count - this.sample) % this.refit === 0) this.fit();
    this.lastScore = s;
    return s;
  }

  last(): number {
    return this.lastScore;
  }

  score(x: ArrayLike<number>): number {
    let total = 0;
    for (let t = 0; t < this.trees; t++) {
      const base = t * this.nodes;
      let node = 0;
      let depth = 0;
      while (this.feature[base + node]! >= 0) {
        const f = this.feature[base + node]!;
        node = (x[f] ?? 0) < this.split[base + node]! ? 2 * node + 1 : 2 * node + 2;
        depth++;
      }
      total += depth + avgPath(this.size[base + node]!);
    }
    return 2 ** (-total / this.trees / avgPath(this.sample));
  }

  private fit(): void {
    const idx = new Uint16Array(this.sample);
    for (let t = 0; t < this.trees; t++) {
      for (let i = 0; i < this.sample; i++) idx[i] = i;
      this.grow(t * this.nodes, 0, idx, 0, this.sample);
    }
    this.fitted = true;
  }

  /** Grows one node over idx[lo, hi): random feature, random split between its min and max. */
  private grow(base: number, node: number, idx: Uint16Array, lo: number, hi: number): void {
    const n = hi - lo;
    this.size[base + node] = n;
    this.feature[base + node] = -1;
    if (n <= 1 || 2 * node + 2 >= this.nodes) return;
    const f = Math.floor(this.random() * this.dims);
    let min = Infinity;
    let max = -Infinity;
    for (let i = lo; i < hi; i++) {
      const v = this.buf[idx[i]! * this.dims + f]!;
      if (v < min) min = v;
      if (v > max) max = v;
    }
    if (!(max > min)) return;
    const cut = min + this.random() * (max - min);
    let mid = lo;
    for (let i = lo; i < hi; i++) {
      if (this.buf[idx[i]! * this.dims + f]! < cut) {
        const tmp = idx[i]!;
        idx[i] = idx[mid]!;
        idx[mid++] = tmp;
      }
    }
    this.feature[base + node] = f;
    this.split[base + node] = cut;
    this.grow(base, 2 * node + 1, idx, lo, mid);
    this.grow(base, 2 * node + 2, idx, mid, hi);
  }
}

/**
 * The forest on one scalar series, through a small embedding: the value, its step from the previous value and
 * its distance from a slow average. A spike, a jump and a drift each isolate along a different axis.
 */
export class IsolationForestDetector implements StreamDetector {
  readonly name = 'iforest';
  private readonly forest: IsolationForest;
  private readonly vec = new Float64Array(3);
  private prev = Number.NaN;
  private mean = Number.NaN;

  constructor(opts?: DetectorOptions) {
    this.forest = new IsolationForest(
      3,
      Math.round(opt(opts, 'trees', 25, 1)),
      Math.round(opt(opts, 'sample', 64, 8)),
      Math.round(opt(opts, 'refit', 64, 1)),
    );
  }

  observe(_at: number, value: number): number {
    if (!Number.isFinite(value)) return 0;
    if (Number.isNaN(this.prev)) {
      this.prev = value;
      this.mean = value;
    }
    this.vec[0] = value;
    this.vec[1] = value - this.prev;
    this.vec[2] = value - this.mean;
    this.prev = value;
    this.mean += 0.02 * (value - this.mean);
    const s = this.forest.observe(this.vec);
    // Path-length scores sit near 0.5 for ordinary points; stretch 0.5..1 onto 0..1.
    return Math.max(0, 2 * s - 1);
  }

  expectation(): Expectation {
    return { expected: this.mean, spread: Number.NaN };
  }

  stateBytes(): number {
    return bytesOf(3, this.vec) + this.forest.byteLength;
  }
}
