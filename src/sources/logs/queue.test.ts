import { describe, expect, it } from 'vitest';
import { BoundedQueue } from './queue.js';

describe('BoundedQueue', () => {
  it('under a flood keeps memory bounded and counts every drop', () => {
    const q = new BoundedQueue<string>(10_000);
    const before = process.memoryUsage().heapUsed;
    const offered = 1_000_000;
    // The consumer keeps up with a tenth of the producer: the flood is 10x what it sustains.
    for (let i = 0; i < offered; i++) {
      q.offer(`line ${i} ${'x'.repeat(100)}`);
      if (i % 10 === 0) q.drain(1);
    }
    const s = q.stats();
    expect(s.size).toBeLessThanOrEqual(10_000);
    expect(s.highWater).toBe(10_000);
    expect(s.enqueued + s.dropped).toBe(offered);
    expect(s.dropped).toBeGreaterThan(offered * 0.8);
    expect(s.enqueued - s.dequeued).toBe(s.size);
    // 1M lines of ~110 bytes would be >200 MB if kept; the queue holds at most 10k of them.
    expect(process.memoryUsage().heapUsed - before).toBeLessThan(60 * 1024 * 1024);
  });

  it('drop-oldest keeps the newest items', () => {
    const q = new BoundedQueue<number>(3, 'drop-oldest');
    for (let i = 0; i < 5; i++) q.offer(i);
    expect(q.drain()).toEqual([2, 3, 4]);
    expect(q.stats().dropped).toBe(2);
  });

  it('push waits for room instead of dropping (backpressure)', async () => {
    const q = new BoundedQueue<number>(2);
    await q.push(1);
    await q.push(2);
    let pushed = false;
    const p = q.push(3).then(() => {
      pushed = true;
    });
    await Promise.resolve();
    expect(pushed).toBe(false);
    expect(q.drain(1)).toEqual([1]);
    await p;
    expect(pushed).toBe(true);
    expect(q.drain()).toEqual([2, 3]);
    expect(q.stats().dropped).toBe(0);
  });
});

describe('BoundedQueue.below', () => {
  it('resolves once fewer than n items wait', async () => {
    const q = new BoundedQueue<number>(10);
    for (let i = 0; i < 5; i++) q.offer(i);
    let resolved = false;
    const waiting = q.below(3).then(() => {
      resolved = true;
    });
    await Promise.resolve();
    q.drain(2);
    await new Promise((r) => setImmediate(r));
    expect(resolved).toBe(false);
    q.drain(1);
    await waiting;
    expect(q.size).toBe(2);
  });
});
