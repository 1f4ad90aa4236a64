import { describe, expect, it } from 'vitest';
import { assign, hash53, ownerOf, shareOf } from './rendezvous.js';

const keys = Array.from({ length: 10_000 }, (_, i) => `svc-${i % 997}/http-${i}`);
const ids = (n: number) => Array.from({ length: n }, (_, i) => `replica-${i}`);

function owners(replicas: string[]): Map<string, string | null> {
  return new Map(keys.map((k) => [k, ownerOf(k, replicas)]));
}

describe('rendezvous hashing', () => {
  it('is deterministic and independent of the order replicas are listed in', () => {
    const r = ids(5);
    for (const k of keys.slice(0, 200)) expect(ownerOf(k, r)).toBe(ownerOf(k, [...r].reverse()));
    expect(hash53('abc')).toBe(hash53('abc'));
    expect(hash53('abc')).not.toBe(hash53('abd'));
    expect(ownerOf('x', [])).toBeNull();
    expect(ownerOf('x', ['only'])).toBe('only');
  });

  // As even as a fair random split: each share within 4 binomial standard deviations (about ±6% of the share
  // at 3 replicas, ±12% at 10).
  it.each([2, 3, 5, 10])('balances 10,000 checks over %i replicas like a fair random split', (n) => {
    const counts = [...assign(keys, ids(n)).values()].map((v) => v.length);
    expect(counts.reduce((a, b) => a + b, 0)).toBe(keys.length);
    const fair = keys.length / n;
    const sd = Math.sqrt(keys.length * (1 / n) * (1 - 1 / n));
    for (const c of counts) expect(Math.abs(c - fair)).toBeLessThan(4 * sd);
  });

  it('moves only the lost replica’s checks when one leaves', () => {
    const before = owners(ids(3));
    const after = owners(['replica-0', 'replica-2']);
    let moved = 0;
    for (const [k, o] of before) {
      if (o === 'replica-1') {
        moved++;
        expect(after.get(k)).not.toBe('replica-1');
      } else expect(after.get(k)).toBe(o);
    }
    expect(moved / keys.length).toBeGreaterThan(0.28);
    expect(moved / keys.length).toBeLessThan(0.39);
  });

  it('moves only about 1/(n+1) of the checks, all to the newcomer, when one joins', () => {
    const before = owners(ids(3));
    const after = owners(ids(4));
    let moved = 0;
    for (const [k, o] of before) {
      if (after.get(k) !== o) {
        moved++;
        expect(after.get(k)).toBe('replica-3');
      }
    }
    expect(moved / keys.length).toBeGreaterThan(0.22);
    expect(moved / keys.length).toBeLessThan(0.28);
  });

  it('splits items into disjoint shares that cover everything', () => {
    const r = ids(3);
    const items = keys.slice(0, 500).map((k) => ({ k }));
    const shares = r.map((self) => shareOf(items, (i) => i.k, r, self));
    expect(shares.flat()).toHaveLength(items.length);
    expect(new Set(shares.flat())).toEqual(new Set(items));
  });
});
