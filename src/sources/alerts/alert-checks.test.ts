import { describe, expect, it } from 'vitest';
import { AlertChecks } from './alert-checks.js';

describe('alert checks: bounded per service, removed a grace period after they resolve', () => {
  it('adds, resolves and expires; at the bound the longest-resolved makes room, else the alert is full', () => {
    const c = new AlertChecks({ maxPerService: 3, graceMs: 1000 });
    expect(c.fire('api', 'alert:A')).toEqual({ added: 'new' });
    expect(c.fire('api', 'alert:A')).toEqual({ added: 'known' });
    expect(c.fire('api', 'alert:B')).toEqual({ added: 'new' });
    expect(c.fire('api', 'alert:C')).toEqual({ added: 'new' });
    // Three fire: a fourth name has no room, on this service only.
    expect(c.fire('api', 'alert:D')).toEqual({ added: 'full' });
    expect(c.fire('db', 'alert:D')).toEqual({ added: 'new' });
    expect(c.resolve('api', 'alert:X', 0)).toBe(false);
    expect(c.resolve('api', 'alert:B', 100)).toBe(true);
    expect(c.resolve('api', 'alert:A', 200)).toBe(true);
    expect(c.nextExpiry()).toBe(1100);
    // B resolved first: it makes room for D.
    expect(c.fire('api', 'alert:D')).toEqual({ added: 'new', evicted: 'alert:B' });
    expect(c.checks('api')).toEqual([
      ['alert:A', false],
      ['alert:C', true],
      ['alert:D', true],
    ]);
    // A firing again is no longer due to go.
    expect(c.fire('api', 'alert:A')).toEqual({ added: 'known' });
    expect(c.nextExpiry()).toBeNull();
    expect(c.resolve('api', 'alert:A', 500)).toBe(true);
    expect(c.expire(1499)).toEqual([]);
    expect(c.expire(1500)).toEqual(['api']);
    expect(c.has('api', 'alert:A')).toBe(false);
    expect(c.checks('api').map(([name]) => name)).toEqual(['alert:C', 'alert:D']);
  });

  it('stays bounded however many names a sender invents', () => {
    const c = new AlertChecks({ maxPerService: 50, graceMs: 60_000 });
    for (let i = 0; i < 10_000; i++) {
      c.fire('api', `alert:Gen${i}`);
      c.resolve('api', `alert:Gen${i}`, i);
    }
    expect(c.checks('api')).toHaveLength(50);
    expect(c.expire(10_000 + 60_000)).toEqual(['api']);
    expect(c.services()).toEqual([]);
  });
});
