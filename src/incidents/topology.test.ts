import { describe, expect, it } from 'vitest';
import { CoOccurrenceLearner, DependencyGraph } from './topology.js';

const chain = () =>
  DependencyGraph.fromServices({ web: { depends_on: ['api'] }, api: { depends_on: ['db'] }, db: {} });

describe('DependencyGraph', () => {
  it('knows direct and transitive links both ways', () => {
    const g = chain();
    expect(g.services()).toEqual(['api', 'db', 'web']);
    expect(g.dependenciesOf('web')).toEqual(['api']);
    expect(g.dependentsOf('db')).toEqual(['api']);
    expect([...g.upstreamOf('web')].sort()).toEqual(['api', 'db']);
    expect([...g.downstreamOf('db')].sort()).toEqual(['api', 'web']);
    expect(g.linked('web', 'db')).toBe(true);
    expect(g.linked('db', 'web')).toBe(true);
    expect(g.linked('web', 'web')).toBe(false);
  });

  it('names the upstream-most failing dependency', () => {
    const g = chain();
    expect(g.rootCause('web', (s) => ['web', 'api', 'db'].includes(s))).toBe('db');
    expect(g.rootCause('web', (s) => ['web', 'api'].includes(s))).toBe('api');
    // A healthy middle link breaks the chain: web's trouble is not db's.
    expect(g.rootCause('web', (s) => ['web', 'db'].includes(s))).toBe('web');
    expect(g.rootCause('db', () => true)).toBe('db');
  });

  it('prefers the deeper of two failing chains, then the name', () => {
    const g = new DependencyGraph({ web: ['api', 'cache'], api: ['db'], cache: [], db: [] });
    expect(g.rootCause('web', () => true)).toBe('db');
    const flat = new DependencyGraph({ web: ['b', 'a'] });
    expect(flat.rootCause('web', () => true)).toBe('a');
  });

  it('finds cycles once each and survives them in the root-cause walk', () => {
    const g = new DependencyGraph({ a: ['b'], b: ['c'], c: ['a'], d: ['d'], e: ['a'] });
    expect(g.cycles()).toEqual([
      ['a', 'b', 'c', 'a'],
      ['d', 'd'],
    ]);
    expect(chain().cycles()).toEqual([]);
    expect(g.rootCause('e', () => true)).toBe('c');
    expect(g.upstreamOf('a')).toEqual(new Set(['b', 'c']));
  });
});

describe('CoOccurrenceLearner', () => {
  it('proposes the service whose trouble starts first as the dependency', () => {
    const learner = new CoOccurrenceLearner({ windowMs: 60_000, episodeGapMs: 300_000, minTogether: 3 });
    let t = 0;
    for (let i = 0; i < 4; i++) {
      learner.observe('cache', t);
      learner.observe('cache', t + 5_000); // same episode: not counted again
      learner.observe('api', t + 10_000);
      t += 3_600_000;
    }
    learner.observe('api', t); // api alone once
    expect(learner.suggestions()).toEqual([
      { service: 'api', dependsOn: 'cache', together: 4, ledBy: 4, score: 1 },
    ]);
  });

  it('ignores pairs that are already linked, rare, or far apart', () => {
    const learner = new CoOccurrenceLearner({ windowMs: 60_000, minTogether: 3 });
    let t = 0;
    for (let i = 0; i < 5; i++) {
      learner.observe('db', t);
      learner.observe('api', t + 1_000);
      learner.observe('mail', t + 120_000); // outside the window
      t += 3_600_000;
    }
    expect(learner.suggestions(chain())).toEqual([]);
    expect(learner.suggestions().map((s) => `${s.service}->${s.dependsOn}`)).toEqual(['api->db']);
    const few = new CoOccurrenceLearner({ minTogether: 3 });
    few.observe('x', 0);
    few.observe('y', 1);
    expect(few.suggestions()).toEqual([]);
  });

  it('scores by the rarer service so a chatty one does not dilute the link', () => {
    const learner = new CoOccurrenceLearner({
      windowMs: 60_000,
      episodeGapMs: 1_000,
      minTogether: 2,
      minScore: 0.5,
    });
    let t = 0;
    for (let i = 0; i < 10; i++) {
      learner.observe('noisy', t);
      if (i % 2 === 0) learner.observe('quiet', t + 500);
      t += 600_000;
    }
    const [s] = learner.suggestions();
    expect(s).toMatchObject({ service: 'quiet', dependsOn: 'noisy', together: 5, score: 1 });
  });

  it('stays bounded in mass outages and still finds a real pair', () => {
    const learner = new CoOccurrenceLearner({ windowMs: 60_000, episodeGapMs: 1_000 });
    const services = Array.from({ length: 2_000 }, (_, i) => `svc-${i}`);
    let seed = 7;
    const random = () => {
      seed = (seed * 1_103_515_245 + 12_345) % 2 ** 31;
      return seed / 2 ** 31;
    };
    let t = 0;
    const started = performance.now();
    for (let round = 0; round < 5; round++) {
      // Everything fails within one window, in a new order each time (2 million pairs if each met each)...
      const order = services.map((s) => ({ s, k: random() })).sort((a, b) => a.k - b.k);
      for (const { s } of order) learner.observe(s, t++);
      t += 600_000;
      // ...and, on their own, db then api, as a real dependency does.
      learner.observe('db', t);
      learner.observe('api', t + 1_000);
      t += 600_000;
      expect(learner.pairCount).toBeLessThanOrEqual(4_096);
    }
    // 10,000 episodes: each pairs with at most 63 others, or none in a burst. A ceiling far above that cost.
    expect(performance.now() - started).toBeLessThan(2_000);
    // Each outage's first pairs met by chance once; the real pair met every time and is the one proposed.
    expect(learner.suggestions()).toEqual([
      { service: 'api', dependsOn: 'db', together: 5, ledBy: 5, score: 1 },
    ]);
  });
});
