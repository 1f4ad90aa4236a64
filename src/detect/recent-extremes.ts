import { bytesOf } from './detector.js';

/** Blocks the horizon is cut into: the horizon is held to within one block (1/8 of it). */
const BLOCKS = 8;
/** The history's block extremes kept per side; the third is the long-run edge an excursion is measured from. */
const KEEP = 3;

/**
 * The range a record is judged against, forgetting excursions: the lowest and highest values of roughly the
 * last `memory` samples (the last 8 closed blocks of ⌈memory / 8⌉ samples, plus the block being filled: a span
 * of `memory` to `memory` + a block), widened to the whole history's extremes unless those stand out.
 *
 * Why not the last `memory` samples alone: records of plain noise thin out as the history grows (a value beyond
 * the extremes of n samples comes once in about n), and a window keeps them at once in `memory`, the rule's
 * false alarms up 7 to 37 times a series-year on stationary noise at a week's and a month's memory (docs/detection.md, eleventh round). So the
 * history's own extremes stay, unless one stands beyond the third-largest block extreme by more than the range
 * between the third-largest and third-smallest: what one excursion of up to two blocks (an outage's spike, a
 * backfill) leaves, not what noise does. Once out of the window such an extreme is forgotten and the edge is
 * the third block extreme. State: 29 numbers.
 */
export class RecentExtremes {
  private readonly size: number;
  private readonly his = new Float64Array(BLOCKS).fill(-Infinity);
  private readonly los = new Float64Array(BLOCKS).fill(Infinity);
  // The history's largest block highs and smallest block lows, most extreme first.
  private readonly topHi = new Float64Array(KEEP).fill(-Infinity);
  private readonly topLo = new Float64Array(KEEP).fill(Infinity);
  private slot = 0;
  private filled = 0;
  private curHi = -Infinity;
  private curLo = Infinity;
  // The closed blocks' and the history's edges, recomputed once a block (memory/8 samples).
  private oldHi = -Infinity;
  private oldLo = Infinity;

  constructor(memory: number) {
    if (!(memory >= BLOCKS)) throw new RangeError(`range memory ${memory}: 0 or at least ${BLOCKS}`);
    this.size = Math.ceil(memory / BLOCKS);
  }

  get byteLength(): number {
    return bytesOf(7, this.his, this.los, this.topHi, this.topLo);
  }

  get hi(): number {
    return Math.max(this.oldHi, this.curHi);
  }

  get lo(): number {
    return Math.min(this.oldLo, this.curLo);
  }

  push(x: number): void {
    if (x > this.curHi) this.curHi = x;
    if (x < this.curLo) this.curLo = x;
    if (++this.filled < this.size) return;
    this.his[this.slot] = this.curHi;
    this.los[this.slot] = this.curLo;
    this.slot = (this.slot + 1) % BLOCKS;
    insert(this.topHi, this.curHi, 1);
    insert(this.topLo, this.curLo, -1);
    this.filled = 0;
    this.curHi = -Infinity;
    this.curLo = Infinity;
    let hi = -Infinity;
    let lo = Infinity;
    for (let i = 0; i < BLOCKS; i++) {
      if (this.his[i]! > hi) hi = this.his[i]!;
      if (this.los[i]! < lo) lo = this.los[i]!;
    }
    const k = KEEP - 1;
    const spread = this.topHi[k]! - this.topLo[k]!;
    // Before KEEP blocks have closed there is no third extreme, and every extreme stays.
    const known = Number.isFinite(spread);
    const longHi = known && this.topHi[0]! - this.topHi[k]! > spread ? this.topHi[k]! : this.topHi[0]!;
    const longLo = known && this.topLo[k]! - this.topLo[0]! > spread ? this.topLo[k]! : this.topLo[0]!;
    this.oldHi = Math.max(longHi, hi);
    this.oldLo = Math.min(longLo, lo);
  }
}

/** Puts x into `best` (most extreme first by sign · value) if it belongs there, dropping the last. */
function insert(best: Float64Array, x: number, sign: number): void {
  let i = best.length;
  while (i > 0 && sign * x > sign * best[i - 1]!) i--;
  if (i === best.length) return;
  best.copyWithin(i + 1, i, best.length - 1);
  best[i] = x;
}
