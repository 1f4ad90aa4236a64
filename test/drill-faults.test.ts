import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { type LoadedConfig, loadConfig, parseConfig } from '../src/config/index.js';
import {
  type DrillRun,
  faultReport,
  faults,
  median,
  missingNeed,
  summarize,
  tableRow,
  targetEnv,
  targetService,
} from '../src/drill/index.js';
import { fittingServices } from '../src/drill/target.js';
import { ROOT } from './helpers.js';

const run = (over: Partial<DrillRun>): DrillRun => ({
  fault: 'crash',
  run: 1,
  service: 'api',
  injected_at: 0,
  detected: true,
  detected_by: 'api/running:down',
  detected_as_expected: null,
  findings: ['api/running:down'],
  healed: true,
  escalated: false,
  restarts: 1,
  restart_gaps_ms: [],
  cap: 3,
  // A healed-outcome fault is ok exactly when it healed.
  ok: over.ok ?? over.healed ?? true,
  root_cause: 'api',
  cause: 'process_crashed',
  cause_expected: ['process_crashed'],
  root_cause_ok: true,
  mttd_ms: 10,
  mttr_ms: 1000,
  actions: 1,
  collateral_actions: 0,
  incident: 'inc_1',
  incidents: ['inc_1'],
  ...over,
});

describe('drill faults and reports', () => {
  it('registers every fault of issue 8, each with inject and undo', () => {
    expect(faults.names()).toEqual([
      'crash',
      'hang',
      'slow',
      'leak',
      'error-burst',
      'db-down',
      'cache-down',
      'disk-fill',
      'port-conflict',
      'crashloop-transient',
      'crashloop',
      'bad-config',
      'config-drift',
      'bad-deploy',
      'db-saturated',
      'brute-force',
      'port-squatter',
    ]);
    const safety = faults.names().filter((n) => faults.get(n).outcome === 'escalated');
    expect(safety).toEqual(['port-squatter']);
    for (const n of faults.names()) {
      const f = faults.get(n);
      expect(typeof f.inject).toBe('function');
      expect(typeof f.undo).toBe('function');
    }
  });

  it('summarizes runs: medians, worst, counts; booleans only when every run met them', () => {
    expect(median([3, 1, 2])).toBe(2);
    expect(median([4, 1, 2, 3])).toBe(3); // rounds (2 + 3) / 2
    expect(median([])).toBeNull();
    const runs = [
      run({ mttd_ms: 10, mttr_ms: 1000 }),
      run({ run: 2, mttd_ms: 30, mttr_ms: 3000, actions: 2, collateral_actions: 1 }),
      run({ run: 3, mttd_ms: 20, healed: false, mttr_ms: null, root_cause_ok: false }),
    ];
    const s = summarize('crash', runs);
    expect(s).toMatchObject({
      runs: 3,
      detected: 3,
      healed: 2,
      root_cause_ok: 2,
      mttd_median_ms: 20,
      mttd_worst_ms: 30,
      mttr_median_ms: 2000,
      mttr_worst_ms: 3000,
      actions: 4,
      collateral_actions: 1,
    });
    const r = faultReport('crash', 'api', runs);
    expect(r).toMatchObject({
      fault: 'crash',
      detected: true,
      healed: false,
      root_cause_ok: false,
      mttd_ms: { median: 20, worst: 30 },
      mttr_ms: { median: 2000, worst: 3000 },
      actions: 4,
      collateral_actions: 1,
      detected_by: ['api/running:down'],
    });
    expect(tableRow(r).slice(0, 7)).toEqual(['crash', 'api', 3, '3/3', '2/3', '2/3', '2/3']);
    const none = faultReport('leak', null, [], 'needs an http check');
    expect(none).toMatchObject({ detected: false, healed: false, skipped: 'needs an http check' });
    expect(tableRow(none).at(-1)).toBe('skipped: needs an http check');
  });

  it('finds each fault its target in the stack by role, and what a target lacks', async () => {
    const stack: LoadedConfig = await loadConfig(path.join(ROOT, 'examples/stack/medic.yaml'));
    expect(targetService(stack, faults.get('crash'))).toBe('api');
    expect(targetService(stack, faults.get('db-down'))).toBe('db');
    expect(targetService(stack, faults.get('cache-down'))).toBe('cache');
    expect(targetService(stack, faults.get('crash'), 'nginx')).toBe('nginx');
    expect(targetService(stack, faults.get('crash'), 'nope')).toBeNull();
    const env = targetEnv(stack, 'api');
    expect(env.url).toBe('http://127.0.0.1:18081');
    expect(env.cwd).toBe(path.join(ROOT, 'examples/stack'));
    // Every fault finds what it needs in the service it goes to.
    for (const n of faults.names()) {
      const target = targetService(stack, faults.get(n)) as string;
      expect(missingNeed(faults.get(n), targetEnv(stack, target)), n).toBeNull();
    }
    // A database of another kind (a Redis given role database) takes a database's outage, not PostgreSQL's
    // saturation, which needs its port.
    const redisDb = parseConfig(
      'services:\n  kv:\n    role: database\n    run: { command: [redis-server, --port, "16400"] }\n',
      path.join(ROOT, 'examples/medic.yaml'),
    );
    expect(fittingServices(redisDb, faults.get('db-down'))).toEqual(['kv']);
    expect(fittingServices(redisDb, faults.get('db-saturated'))).toEqual([]);

    // The second example stack (Redis as session store and queue, Python services, a Node proxy) loads, and a
    // bad hour on it draws crashes and hangs on all five, outages of its two Redis servers, and nothing else.
    const second = await loadConfig(path.join(ROOT, 'examples/python-redis/medic.yaml'));
    const fits = (n: string) => fittingServices(second, faults.get(n));
    expect(fits('crash')).toEqual(['sessions', 'queue', 'web', 'worker', 'edge']);
    expect(fits('db-down')).toEqual(['sessions']);
    expect(fits('cache-down')).toEqual(['queue']);
    expect(fits('db-saturated')).toEqual([]);

    // The simple demo has no database, no cache, no data directory and no settings file.
    const demo = await loadConfig(path.join(ROOT, 'examples/medic.yaml'));
    expect(targetService(demo, faults.get('crash'))).toBe('demo');
    expect(targetService(demo, faults.get('db-down'))).toBeNull();
    const demoEnv = targetEnv(demo, 'demo');
    expect(missingNeed(faults.get('slow'), demoEnv)).toBeNull();
    expect(missingNeed(faults.get('disk-fill'), demoEnv)).toBeNull();
    expect(missingNeed(faults.get('crashloop'), demoEnv)).toBeNull();
    expect(missingNeed(faults.get('bad-config'), demoEnv)).toBe('CONFIG_FILE in run.env');
  });
});
