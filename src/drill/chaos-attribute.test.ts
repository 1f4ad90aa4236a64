import { describe, expect, it } from 'vitest';
import { attribute, type Undetected } from './chaos-attribute.js';

const UP: Record<string, string[]> = {
  nginx: ['api', 'db', 'cache'],
  api: ['db', 'cache'],
  db: [],
  cache: [],
};
const upstreamOf = (s: string) => UP[s] ?? [];
const live = (n: number, service: string, injectedAt: number, expect: string[] = []): Undetected => ({
  n,
  service,
  injectedAt,
  expect,
  gradual: expect.includes('forecast'),
});
const LEAK = ['forecast'];

describe('attribute: which fault a finding detects', () => {
  it("a proxy's own hang takes the proxy's finding, not the leak of the app behind it", () => {
    const lives = [live(15, 'api', 0, LEAK), live(16, 'nginx', 700)];
    expect(attribute(lives, { service: 'nginx', kind: 'down' }, upstreamOf)).toEqual([16]);
    expect(attribute(lives, { service: 'api', kind: 'forecast' }, upstreamOf)).toEqual([15]);
  });

  it("an app's health failing while its cache hangs is the cache's, not the app's slow leak", () => {
    const lives = [live(0, 'api', 0, LEAK), live(1, 'cache', 500)];
    expect(attribute(lives, { service: 'api', kind: 'down' }, upstreamOf)).toEqual([1]);
  });

  it('two faults on one service: the one that shows at once, unless the finding is the other’s proper one', () => {
    const lives = [live(51, 'api', 0, ['forecast']), live(52, 'api', 7_500)];
    expect(attribute(lives, { service: 'api', kind: 'down' }, upstreamOf)).toEqual([52]);
    expect(attribute(lives, { service: 'api', kind: 'forecast' }, upstreamOf)).toEqual([51]);
    expect(
      attribute([live(1, 'api', 0), live(2, 'api', 10)], { service: 'api', kind: 'down' }, upstreamOf),
    ).toEqual([2]);
  });

  it("a slow fault is not taken as shown by a finding an upstream's fault, seen and in force, explains", () => {
    const lives = [live(24, 'api', 0, ['forecast'])];
    expect(attribute(lives, { service: 'api', kind: 'down' }, upstreamOf, [{ service: 'cache' }])).toEqual(
      [],
    );
    expect(
      attribute(lives, { service: 'api', kind: 'forecast' }, upstreamOf, [{ service: 'cache' }]),
    ).toEqual([24]);
  });

  it("a proxy's finding after its own crash was seen is not the leak of the app behind it", () => {
    const lives = [live(44, 'api', 0, ['forecast'])];
    expect(attribute(lives, { service: 'nginx', kind: 'down' }, upstreamOf, [{ service: 'nginx' }])).toEqual(
      [],
    );
  });

  it('a slow fault shown otherwise (a leak ending in a kill) is still detected', () => {
    expect(attribute([live(3, 'api', 0, LEAK)], { service: 'api', kind: 'down' }, upstreamOf)).toEqual([3]);
    expect(attribute([live(3, 'api', 0, LEAK)], { service: 'nginx', kind: 'down' }, upstreamOf)).toEqual([3]);
  });

  it('with no fault of its own, a dependent’s finding detects the faults of its upstreams', () => {
    const lives = [live(1, 'db', 0), live(2, 'api', 10)];
    expect(attribute(lives, { service: 'nginx', kind: 'down' }, upstreamOf).sort()).toEqual([1, 2]);
    expect(attribute([live(1, 'db', 0)], { service: 'api', kind: 'down' }, upstreamOf)).toEqual([1]);
  });

  it('an error burst shows at once: its failing health check is its own, beside a cache fault already seen', () => {
    const burst = { ...live(7, 'api', 0, ['pattern', 'anomaly']), gradual: false };
    expect(attribute([burst], { service: 'api', kind: 'down' }, upstreamOf, [{ service: 'cache' }])).toEqual([
      7,
    ]);
  });

  it("a dependent's finding its own fault, seen and in force, explains is not its upstream's new fault", () => {
    // The API crashed (seen); a second later the database is saturated: the API's failing health is its crash.
    const lives = [live(10, 'db', 1_000)];
    expect(attribute(lives, { service: 'api', kind: 'down' }, upstreamOf, [{ service: 'api' }])).toEqual([]);
    // The database's own finding detects it.
    expect(attribute(lives, { service: 'db', kind: 'degraded' }, upstreamOf, [{ service: 'api' }])).toEqual([
      10,
    ]);
  });

  it('a finding on a service no fault reaches detects nothing', () => {
    expect(attribute([live(1, 'api', 0)], { service: 'db', kind: 'down' }, upstreamOf)).toEqual([]);
  });
});
