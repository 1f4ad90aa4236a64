/**
 * Rendezvous (highest random weight) hashing: a check belongs to the live replica with the highest
 * hash(replica, check). Every replica computes the same answer from the same live set with no coordination,
 * and when a replica joins or leaves only the checks it gains or loses move (about 1/n of them).
 */

/**
 * cyrb53: a fast, well-mixed 53-bit string hash (fits a JS number exactly). Not cryptographic; it only has to
 * spread keys evenly and be identical on every replica.
 */
export function hash53(s: string, seed = 0): number {
  let h1 = 0xdeadbeef ^ seed;
  let h2 = 0x41c6ce57 ^ seed;
  for (let i = 0; i < s.length; i++) {
    const c = s.charCodeAt(i);
    h1 = Math.imul(h1 ^ c, 2654435761);
    h2 = Math.imul(h2 ^ c, 1597334677);
  }
  h1 = Math.imul(h1 ^ (h1 >>> 16), 2246822507);
  h1 ^= Math.imul(h2 ^ (h2 >>> 13), 3266489909);
  h2 = Math.imul(h2 ^ (h2 >>> 16), 2246822507);
  h2 ^= Math.imul(h1 ^ (h1 >>> 13), 3266489909);
  return 4294967296 * (2097151 & h2) + (h1 >>> 0);
}

/** The weight of `key` on `replica`. The separator keeps ("ab","c") and ("a","bc") apart. */
export function hrwScore(replica: string, key: string): number {
  return hash53(`${replica}\u0000${key}`);
}

/** The replica that owns `key`, or null when there is none. Ties (astronomically rare) go to the lower id. */
export function ownerOf(key: string, replicas: readonly string[]): string | null {
  let best: string | null = null;
  let bestScore = -1;
  for (const r of replicas) {
    const s = hrwScore(r, key);
    if (s > bestScore || (s === bestScore && best !== null && r < best)) {
      best = r;
      bestScore = s;
    }
  }
  return best;
}

/** Keys grouped by owner; every live replica appears, possibly with no keys. */
export function assign(keys: Iterable<string>, replicas: readonly string[]): Map<string, string[]> {
  const out = new Map<string, string[]>(replicas.map((r) => [r, []]));
  for (const k of keys) {
    const owner = ownerOf(k, replicas);
    if (owner !== null) out.get(owner)?.push(k);
  }
  return out;
}

/** The items whose key `self` owns among `replicas`. */
export function shareOf<T>(
  items: Iterable<T>,
  keyOf: (item: T) => string,
  replicas: readonly string[],
  self: string,
): T[] {
  const mine: T[] = [];
  for (const item of items) if (ownerOf(keyOf(item), replicas) === self) mine.push(item);
  return mine;
}
