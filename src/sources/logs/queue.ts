/**
 * A bounded FIFO between a source and the stages after it. When full, a push either waits (backpressure,
 * for sources that can wait: a tailed file stays on disk) or drops (for sources that cannot: a push request,
 * a pipe), and every dropped item is counted so the loss is reported, never silent. Memory is bounded by
 * `capacity` items.
 */
export type OverflowPolicy = 'drop-newest' | 'drop-oldest';

export interface QueueStats {
  enqueued: number;
  dequeued: number;
  dropped: number;
  size: number;
  highWater: number;
}

export class BoundedQueue<T> {
  private items: (T | undefined)[];
  private head = 0;
  private count = 0;
  private readonly spaceWaiters: Array<() => void> = [];
  private readonly itemWaiters: Array<() => void> = [];
  private readonly s = { enqueued: 0, dequeued: 0, dropped: 0, highWater: 0 };

  constructor(
    readonly capacity: number,
    private readonly policy: OverflowPolicy = 'drop-newest',
  ) {
    if (capacity < 1) throw new Error('queue capacity must be at least 1');
    this.items = new Array(capacity);
  }

  get size(): number {
    return this.count;
  }

  stats(): QueueStats {
    return { ...this.s, size: this.count };
  }

  /** Adds without waiting; returns false when the item (or, with drop-oldest, the oldest) was dropped. */
  offer(item: T): boolean {
    if (this.count === this.capacity) {
      this.s.dropped++;
      if (this.policy === 'drop-newest') return false;
      this.head = (this.head + 1) % this.capacity;
      this.count--;
      this.put(item);
      return false;
    }
    this.put(item);
    return true;
  }

  /** Adds, waiting for room: the backpressure path. */
  async push(item: T): Promise<void> {
    while (this.count === this.capacity) await new Promise<void>((r) => this.spaceWaiters.push(r));
    this.put(item);
  }

  /** Resolves once fewer than `n` items wait (a producer's own limit, below the capacity). */
  async below(n: number): Promise<void> {
    while (this.count >= n) await new Promise<void>((r) => this.spaceWaiters.push(r));
  }

  /** Takes up to `max` items without waiting. */
  drain(max = Number.POSITIVE_INFINITY): T[] {
    const out: T[] = [];
    while (this.count > 0 && out.length < max) {
      out.push(this.items[this.head] as T);
      this.items[this.head] = undefined;
      this.head = (this.head + 1) % this.capacity;
      this.count--;
    }
    this.s.dequeued += out.length;
    while (this.spaceWaiters.length > 0 && this.count < this.capacity) this.spaceWaiters.shift()?.();
    return out;
  }

  /** Resolves when at least one item is waiting. */
  async whenItems(): Promise<void> {
    if (this.count > 0) return;
    await new Promise<void>((r) => this.itemWaiters.push(r));
  }

  private put(item: T): void {
    this.items[(this.head + this.count) % this.capacity] = item;
    this.count++;
    this.s.enqueued++;
    if (this.count > this.s.highWater) this.s.highWater = this.count;
    while (this.itemWaiters.length > 0) this.itemWaiters.shift()?.();
  }
}
