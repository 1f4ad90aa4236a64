import { describe, expect, it } from 'vitest';
import { type Finding, SimulatedClock } from '../core/index.js';
import {
  type CorrelationDecision,
  Correlator,
  type CorrelatorOptions,
  MemoryIncidentView,
} from './correlate.js';
import { DependencyGraph } from './topology.js';

function setup(edges: Record<string, string[]>, opts: CorrelatorOptions = {}) {
  const clock = new SimulatedClock();
  let n = 0;
  const graph = new DependencyGraph(edges);
  const view = new MemoryIncidentView(
    () => graph,
    () => `inc_${++n}`,
  );
  const correlator = new Correlator(clock, view, opts);
  const feed = (service: string, over: Partial<Finding> = {}): CorrelationDecision => {
    const f = finding(service, clock.now(), over);
    view.setFailing(service, true);
    const d = correlator.decide(f);
    view.apply(d, f);
    return d;
  };
  return { clock, view, correlator, feed };
}

let seq = 0;
function finding(service: string, at: number, over: Partial<Finding> = {}): Finding {
  return {
    id: `fnd_${++seq}`,
    service,
    check: 'http',
    kind: 'down',
    severity: 'critical',
    score: 1,
    summary: `${service} is down`,
    evidence: {},
    at,
    ...over,
  };
}

const chain = { web: ['api'], api: ['db'], db: [] };

describe('Correlator', () => {
  it("a process's own death is its own root: never explained by a failing upstream", async () => {
    const { clock, view } = setup(chain);
    const c = new Correlator(clock, view, { ownFault: (f) => f.check === 'running' });
    const feed = (service: string, over: Partial<Finding> = {}) => {
      const f = finding(service, clock.now(), over);
      view.setFailing(service, true);
      const d = c.decide(f);
      view.apply(d, f);
      return d;
    };
    expect(feed('api')).toMatchObject({ type: 'open', rootCause: 'api', heal: true });
    await clock.advance(200);
    // web's process exits while api fails: not api's doing, its own incident and heal.
    expect(feed('web', { check: 'running' })).toMatchObject({ type: 'open', rootCause: 'web', heal: true });
    await clock.advance(200);
    // db's process dies: what depends on it is explained by it, so those incidents join it, db the root.
    expect(feed('db', { check: 'running' })).toMatchObject({ rootCause: 'db', heal: true });
  });

  it("a process's own fault first, an upstream's finding after: still two incidents, the service its own root", async () => {
    const { clock, view, correlator: c, feed } = setup(chain, { ownFault: (f) => f.check === 'running' });
    // The API is stopped for a deploy; a moment later the database's probe times out.
    expect(feed('api', { check: 'running' })).toMatchObject({ type: 'open', rootCause: 'api', heal: true });
    await clock.advance(2_000);
    expect(feed('db')).toMatchObject({ type: 'open', rootCause: 'db', heal: true });
    await clock.advance(1_000);
    // The API's next finding (its new process fails its health) is still its own trouble.
    expect(feed('api')).toMatchObject({ type: 'attach', incidentId: 'inc_1', rootCause: 'api', heal: true });
    expect(view.get('inc_1')?.rootCause).toBe('api');
    // Healthy again, it is no longer its own root: a later failure under a failing database waits on it.
    view.setFailing('api', false);
    c.recovered('api');
    await clock.advance(1_000);
    expect(feed('api')).toMatchObject({ rootCause: 'db', heal: false });
  });

  it('an own fault whose incident ended without a recovery (a forecast) no longer makes the service its own root', async () => {
    const { clock, view, correlator: c, feed } = setup(chain, { ownFault: (f) => f.kind === 'forecast' });
    expect(feed('api', { kind: 'forecast' })).toMatchObject({ type: 'open', rootCause: 'api' });
    // Its incident resolved while it stayed healthy: no recovery was ever seen.
    view.setFailing('api', false);
    view.close('inc_1');
    c.ended('api');
    await clock.advance(1_000);
    // The database fails, then the API: it waits on the database.
    feed('db');
    expect(feed('api')).toMatchObject({ rootCause: 'db', heal: false });
  });

  it('two upstreams of one service failing together are two incidents, each healed', async () => {
    const { clock, feed } = setup({ api: ['db', 'cache'], db: [], cache: [] });
    expect(feed('cache')).toMatchObject({ type: 'open', rootCause: 'cache', heal: true });
    await clock.advance(300);
    expect(feed('api')).toMatchObject({ type: 'attach', incidentId: 'inc_1', heal: false });
    await clock.advance(700);
    // The database is not linked to the cache: its own incident and its own heal, at once.
    expect(feed('db')).toMatchObject({ type: 'open', rootCause: 'db', heal: true });
  });

  it('db dies first: one incident, root cause db, only db is healed', async () => {
    const { clock, view, feed } = setup(chain);
    expect(feed('db')).toMatchObject({ type: 'open', rootCause: 'db', heal: true });
    await clock.advance(2_000);
    expect(feed('api')).toMatchObject({ type: 'attach', incidentId: 'inc_1', rootCause: 'db', heal: false });
    await clock.advance(1_000);
    expect(feed('web')).toMatchObject({ type: 'attach', incidentId: 'inc_1', rootCause: 'db', heal: false });
    expect(view.activeIncidents()).toEqual([
      expect.objectContaining({ id: 'inc_1', rootCause: 'db', services: ['db', 'api', 'web'] }),
    ]);
  });

  it('dependents noticed first: the root cause moves upstream as the cause shows up', async () => {
    const { clock, feed, view } = setup(chain);
    expect(feed('web')).toMatchObject({ type: 'open', rootCause: 'web', heal: true });
    await clock.advance(1_000);
    expect(feed('api')).toMatchObject({ type: 'attach', rootCause: 'api', rootChanged: true, heal: true });
    await clock.advance(1_000);
    expect(feed('db')).toMatchObject({ type: 'attach', rootCause: 'db', rootChanged: true, heal: true });
    expect(view.get('inc_1')?.rootCause).toBe('db');
  });

  it('a dependent whose dependency is already failing opens waiting on it', () => {
    const { view, correlator, clock } = setup(chain);
    view.setFailing('db', true); // failing, but no finding yet (e.g. still inside down_after)
    const d = correlator.decide(finding('api', clock.now()));
    expect(d).toMatchObject({ type: 'open', rootCause: 'db', heal: false });
    expect(d.reason).toContain('waiting on db');
  });

  it('merges the incidents of two dependents when their shared dependency fails', async () => {
    const { clock, feed, view } = setup({ api: ['db'], worker: ['db'], db: [] });
    expect(feed('api')).toMatchObject({ type: 'open' });
    await clock.advance(1_000);
    expect(feed('worker')).toMatchObject({ type: 'open' }); // not linked to api
    await clock.advance(1_000);
    expect(feed('db')).toMatchObject({
      type: 'merge',
      incidentId: 'inc_1',
      absorbed: ['inc_2'],
      rootCause: 'db',
      heal: true,
    });
    expect(view.activeIncidents()).toHaveLength(1);
    expect([...(view.get('inc_1')?.services ?? [])].sort()).toEqual(['api', 'db', 'worker']);
  });

  it('keeps two faults apart when a service depending on both fails: each incident keeps its root', async () => {
    // The database and the cache crash half a second apart; the API behind both fails through them.
    const { clock, feed, view } = setup({ api: ['db', 'cache'], db: [], cache: [] });
    expect(feed('db')).toMatchObject({ type: 'open', rootCause: 'db', heal: true });
    await clock.advance(500);
    expect(feed('cache')).toMatchObject({ type: 'open', rootCause: 'cache', heal: true });
    await clock.advance(1_000);
    const d = feed('api');
    expect(d).toMatchObject({
      type: 'attach',
      incidentId: 'inc_1',
      rootCause: 'db',
      heal: false,
      rootChanged: false,
    });
    expect(view.activeIncidents()).toHaveLength(2);
    expect(view.get('inc_1')?.rootCause).toBe('db');
    expect(view.get('inc_2')?.rootCause).toBe('cache');
    // A second finding of the API stays where it is and merges nothing.
    await clock.advance(500);
    expect(feed('api', { check: 'config' })).toMatchObject({
      type: 'attach',
      incidentId: 'inc_1',
      rootCause: 'db',
    });
    expect(view.activeIncidents()).toHaveLength(2);
  });

  it("another finding of an incident's root keeps its root when an unrelated upstream of its dependents fails apart", async () => {
    // The database's incident holds the API and the proxy; the cache (the API's other upstream, unrelated to
    // the database) then fails in an incident of its own. The database's next finding is its own trouble: the
    // cache, with its own incident, is not the root of the database's.
    const { clock, feed, view } = setup({ nginx: ['api'], api: ['db', 'cache'], db: [], cache: [] });
    expect(feed('db')).toMatchObject({ type: 'open', rootCause: 'db' });
    await clock.advance(500);
    feed('api');
    feed('nginx');
    await clock.advance(60_000);
    expect(feed('cache')).toMatchObject({ type: 'open', rootCause: 'cache', heal: true });
    await clock.advance(500);
    expect(feed('db', { check: 'postgres' })).toMatchObject({
      type: 'attach',
      incidentId: 'inc_1',
      rootCause: 'db',
      rootChanged: false,
      heal: true,
    });
    // And a finding of the proxy (downstream of both) merges nothing: two faults, two incidents.
    await clock.advance(500);
    expect(feed('nginx', { check: 'live' })).toMatchObject({
      type: 'attach',
      incidentId: 'inc_1',
      rootCause: 'db',
    });
    expect(view.activeIncidents()).toHaveLength(2);
    expect(view.get('inc_2')?.rootCause).toBe('cache');
  });

  it('keeps unrelated services and stale incidents apart', async () => {
    const { clock, feed } = setup({ ...chain, mail: [] }, { groupWindowMs: 60_000 });
    feed('db');
    expect(feed('mail')).toMatchObject({ type: 'open', rootCause: 'mail' });
    await clock.advance(120_000);
    // db's incident has had no finding for 2 min, beyond the 1 min window: api opens its own.
    expect(feed('api')).toMatchObject({ type: 'open', rootCause: 'db', heal: false });
  });

  it('merges duplicates within the dedupe window, then counts a repeat as new evidence', async () => {
    const { clock, feed } = setup(chain, { dedupeWindowMs: 60_000 });
    feed('db');
    await clock.advance(30_000);
    expect(feed('db')).toMatchObject({ type: 'attach', duplicate: true, heal: false });
    await clock.advance(30_000);
    expect(feed('db', { check: 'tcp' })).toMatchObject({ type: 'attach', duplicate: false, heal: true });
    await clock.advance(61_000);
    expect(feed('db')).toMatchObject({ type: 'attach', duplicate: false });
  });

  it('a finding about another run of the process is not a duplicate', async () => {
    const { clock, feed } = setup(chain);
    feed('db', { check: 'running', evidence: { pid: 100 } });
    await clock.advance(5_000);
    // The same run again: a duplicate.
    expect(feed('db', { check: 'running', evidence: { pid: 100 } })).toMatchObject({ duplicate: true });
    await clock.advance(5_000);
    // The process a restart started, stopped in its turn: new trouble.
    expect(feed('db', { check: 'running', evidence: { pid: 101, processState: 'T' } })).toMatchObject({
      type: 'attach',
      duplicate: false,
    });
    await clock.advance(5_000);
    expect(feed('db', { check: 'running', evidence: {} })).toMatchObject({ duplicate: true });
  });

  it('a finding from a running process after one made while none ran is not a duplicate', async () => {
    const { clock, feed } = setup(chain);
    feed('db', { check: 'health', evidence: { pid: null } });
    await clock.advance(2_000);
    expect(feed('db', { check: 'health', evidence: { pid: null } })).toMatchObject({ duplicate: true });
    await clock.advance(2_000);
    // A restart started it, and its health fails in its turn (a bad release): new trouble of a new process.
    expect(feed('db', { check: 'health', evidence: { pid: 200 } })).toMatchObject({ duplicate: false });
    await clock.advance(2_000);
    expect(feed('db', { check: 'health', evidence: { pid: 200 } })).toMatchObject({ duplicate: true });
  });

  it('never holds a flapping service back: it heals, marked flapping, with a growing step', async () => {
    const { clock, feed, correlator } = setup(chain, { maxChangesPerHour: 4 });
    expect(feed('db')).toMatchObject({ type: 'open', flapping: null });
    for (let i = 0; i < 5; i++) {
      correlator.noteChange('db');
      await clock.advance(60_000);
    }
    const first = feed('db', { check: 'tcp' });
    expect(first).toMatchObject({ type: 'attach', heal: true, rootCause: 'db' });
    expect(first.flapping).toEqual({ changesLastHour: 5, limit: 4, over: 1, began: true });
    for (let i = 0; i < 4; i++) correlator.noteChange('db');
    await clock.advance(200_000);
    const later = feed('db', { check: 'port' });
    expect(later).toMatchObject({ heal: true });
    expect(later.flapping).toEqual({ changesLastHour: 9, limit: 4, over: 5, began: false });
    // An hour later the changes have aged out: calm again.
    await clock.advance(60 * 60_000);
    expect(correlator.changesLastHour('db')).toBe(0);
    expect(correlator.isFlapping('db')).toBe(false);
    expect(feed('db', { check: 'http' })).toMatchObject({ flapping: null });
  });

  it('stays flapping while the rate is between half the limit and the limit', async () => {
    const { clock, correlator } = setup(chain, { maxChangesPerHour: 4 });
    for (let i = 0; i < 5; i++) correlator.noteChange('db');
    expect(correlator.isFlapping('db')).toBe(true);
    await clock.advance(HOUR + 1);
    for (let i = 0; i < 3; i++) correlator.noteChange('db');
    expect(correlator.isFlapping('db')).toBe(true);
    correlator.noteChange('api');
    expect(correlator.isFlapping('api')).toBe(false);
  });
});

const HOUR = 3_600_000;
