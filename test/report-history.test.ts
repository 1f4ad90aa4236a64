import { spawnSync } from 'node:child_process';
import { writeFile } from 'node:fs/promises';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Incident } from '../src/core/index.js';
import { type KyselyStore, openStore } from '../src/store/index.js';
import { CLI, ROOT, tempDir } from './helpers.js';

/**
 * `medic report --format json` on a history written straight into a store, every figure computed by hand
 * below. The window is two hours from T0; times are minutes from T0.
 *
 * Medic watched [0, 5) (started before the window), [10, 40) and [50, 120): 105 minutes, not 120.
 *
 * | incident   | service | open → end    | what happened                                        | heal            |
 * | cache0     | cache   | 2 → 8         | recovered alone; watched [2, 5) only                  | none            |
 * | api1       | api     | 12 → 15       | restart healed it                                    | alone           |
 * | db1        | db      | 20 → 36       | heal failed, escalated (sent to 2 channels + reminder), alice reset the guard, healed | after a human |
 * | web1       | web     | 21 → 23 (merged into db1; web's findings then held in db1 until 36) | – | –    |
 * | cache1     | cache   | 38 → 55       | held by backoff; Medic stopped 40–50                  | alone           |
 * | api2       | api     | 60 → 64       | the guard asked for approval, bob approved            | after a human   |
 * | api3       | api     | 70 → 81       | held by a silence carol lifted at 80                  | after a human   |
 * | db2        | db      | 100 → 106     | held by the stop switch, dave resumed healing at 105  | after a human   |
 * | web2       | web     | 110 → (120)   | escalated at 112, still waiting at the end            | –               |
 */
const T0 = Date.UTC(2026, 2, 1, 9, 0, 0);
const M = 60_000;
const at = (min: number) => T0 + min * M;

let dir: string;
let config: string;
let store: KyselyStore;

async function incident(
  id: string,
  service: string,
  open: number,
  end: number | null,
  state: Incident['state'],
): Promise<void> {
  await store.createIncident(
    {
      id,
      service,
      state: 'open',
      title: `${service} down`,
      severity: 'critical',
      rootCause: service,
      openedAt: at(open),
      updatedAt: at(open),
      resolvedAt: null,
    },
    'opened',
  );
  await finding(id, service, open);
  if (end !== null && state === 'resolved')
    await store.transitionIncident(id, 'resolved', 'healthy', at(end));
  if (end !== null && state === 'suppressed')
    await store.transitionIncident(id, 'suppressed', 'merged', at(end));
}

async function finding(incidentId: string, service: string, min: number): Promise<void> {
  await store.insertFinding(
    {
      id: `fnd_${incidentId}_${service}_${min}`,
      service,
      check: 'http',
      kind: 'down',
      severity: 'critical',
      score: 1,
      summary: `${service} down`,
      evidence: {},
      at: at(min),
    },
    incidentId,
  );
}

async function audit(min: number, actor: string, event: string, subject: string, data = {}): Promise<void> {
  await store.audit({ at: at(min), actor, event, subject, data });
}

async function healed(incidentId: string, service: string, min: number, success = true): Promise<void> {
  await store.recordOutcome({
    incidentId,
    service,
    cause: 'process_crashed',
    playbook: `restart-${service}`,
    success,
    healMs: success ? 30_000 : null,
    at: at(min),
  });
}

async function escalate(incidentId: string, service: string, min: number): Promise<void> {
  await store.transitionIncident(incidentId, 'escalated', 'heal failed', at(min));
  await audit(min, 'medic', 'incident.escalated', incidentId, { service });
}

/** One notification per notifier, delivered or dead. */
async function notification(
  key: string,
  notifier: string,
  min: number,
  incidentId: string,
  outcome: 'delivered' | 'dead',
  data: Record<string, unknown> = {},
): Promise<void> {
  await store.enqueueNotifications([
    {
      id: `ntf_${key}_${notifier}`,
      key,
      notifier,
      event: 'incident.escalated',
      service: 'x',
      incidentId,
      payload: { event: 'incident.escalated', data: { severity: 'critical', ...data } },
      createdAt: at(min),
    },
  ]);
  const [row] = (await store.claimNotifications('report-test', at(min) + 1, { expiryMs: 60_000 })).filter(
    (r) => r.key === key && r.notifier === notifier,
  );
  expect(row, `claimed ${key}/${notifier}`).toBeDefined();
  await store.settleNotification(
    row!.id,
    'report-test',
    outcome === 'delivered'
      ? { state: 'delivered', at: at(min) + 2 }
      : { state: 'dead', at: at(min) + 2, error: 'refused' },
  );
}

beforeAll(async () => {
  dir = await tempDir();
  config = path.join(dir, 'medic.yaml');
  await writeFile(
    config,
    ['services:', '  api: {}', '  db: {}', '  web: {}', '  cache: {}', 'store:', '  dir: ./data', ''].join(
      '\n',
    ),
  );
  store = await openStore({ kind: 'sqlite', dir: path.join(dir, 'data') });

  // When Medic watched: started before the window, stopped at 5; again 10–40; from 50 on.
  await audit(-30, 'medic', 'medic.started', config);
  await audit(5, 'medic', 'medic.stopped', config);
  await audit(10, 'medic', 'medic.started', config);
  await audit(40, 'medic', 'medic.stopped', config);
  await audit(50, 'medic', 'medic.started', config);

  // Before the window: not in the report.
  await incident('old', 'api', -20, -10, 'resolved');

  await incident('cache0', 'cache', 2, 8, 'resolved');

  await incident('api1', 'api', 12, 15, 'resolved');
  await healed('api1', 'api', 15);

  await incident('db1', 'db', 20, null, 'open');
  await healed('db1', 'db', 22, false);
  await escalate('db1', 'db', 22);
  await notification('esc-db1', 'slack', 22, 'db1', 'delivered');
  await notification('esc-db1', 'webhook', 22, 'db1', 'delivered');
  await notification('remind-db1', 'slack', 32, 'db1', 'delivered', { reminder: true });
  await audit(35, 'alice', 'guard.reset', 'db', { reason: 'fixed the disk' });
  await healed('db1', 'db', 36);
  await store.transitionIncident('db1', 'resolved', 'healthy', at(36));

  // web fails because db does: its own incident, merged into db1 at 23; its findings (from 21) moved there.
  await incident('web1', 'web', 21, 23, 'suppressed');
  await finding('db1', 'web', 21);

  await incident('cache1', 'cache', 38, null, 'open');
  await audit(39, 'medic', 'guard.deny', 'cache', { incident: 'cache1', rail: 'backoff' });
  await healed('cache1', 'cache', 55);
  await store.transitionIncident('cache1', 'resolved', 'healthy', at(55));

  await incident('api2', 'api', 60, null, 'open');
  await audit(60, 'medic', 'guard.ask', 'api', { incident: 'api2', rail: 'autonomy' });
  await audit(60, 'medic', 'action.awaiting_approval', 'act_api2', {});
  await audit(63, 'bob', 'action.approved', 'act_api2', {});
  await healed('api2', 'api', 64);
  await store.transitionIncident('api2', 'resolved', 'healthy', at(64));

  await audit(65, 'carol', 'silence.created', 'sil_1', { matchers: [{ name: 'service', value: 'api' }] });
  await incident('api3', 'api', 70, null, 'open');
  await audit(70, 'medic', 'guard.deny', 'api', { incident: 'api3', rail: 'silence' });
  await audit(80, 'carol', 'silence.expired', 'sil_1', {});
  await healed('api3', 'api', 81);
  await store.transitionIncident('api3', 'resolved', 'healthy', at(81));

  await audit(90, 'dave', 'healing.stopped', 'healing', { reason: 'deploy' });
  await incident('db2', 'db', 100, null, 'open');
  await audit(100, 'medic', 'guard.deny', 'db', { incident: 'db2', rail: 'stop_switch' });
  await audit(105, 'dave', 'healing.resumed', 'healing', { reason: 'deploy done' });
  await healed('db2', 'db', 106);
  await store.transitionIncident('db2', 'resolved', 'healthy', at(106));

  await incident('web2', 'web', 110, null, 'open');
  await escalate('web2', 'web', 112);
  await notification('esc-web2', 'slack', 112, 'web2', 'delivered');
  // Never delivered: not an escalation anybody got.
  await notification('esc-web2-b', 'pagerduty', 113, 'web2', 'dead');
  await store.close();
}, 60_000);

afterAll(async () => {
  await store?.close().catch(() => undefined);
});

describe('medic report --format json on a scripted history', () => {
  it('matches the figures computed by hand', () => {
    const run = spawnSync(
      process.execPath,
      [
        '--import',
        'tsx',
        CLI,
        'report',
        '--offline',
        '--config',
        config,
        '--format',
        'json',
        '--since',
        new Date(at(0)).toISOString(),
        '--until',
        new Date(at(120)).toISOString(),
      ],
      { cwd: ROOT, encoding: 'utf8', timeout: 60_000 },
    );
    expect(run.status, run.stderr).toBe(0);
    const r = JSON.parse(run.stdout);

    // [0,5) + [10,40) + [50,120)
    expect(r.watchedMs).toBe(105 * M);
    expect(r.incidents).toEqual({ total: 9, resolved: 7, escalated: 1, suppressed: 1, open: 0 });
    // db1 and web2 were escalated; db1 ended resolved. One message per decision (db1's went to two
    // channels), web2's second one died undelivered; db1's reminder apart.
    expect(r.escalations).toEqual({ incidents: 2, sent: 2, reminders: 1 });
    // Open to resolved: cache0 6, api1 3, db1 16, cache1 17, api2 4, api3 11, db2 6 = 63 min over 7.
    expect(r.mttrMs).toBe(9 * M);
    // api1 and cache1 (a backoff lifts by itself); db1, api2, api3, db2 each waited for a person.
    expect(r.healedWithoutHuman).toEqual({ count: 2, share: Math.round((2 / 9) * 1e6) / 1e6 });
    expect(r.healedAfterHuman).toBe(4);
    // A merged dependent is not a false alarm; none resolved within a minute.
    expect(r.falseAlarms.count).toBe(0);

    const up = (downMin: number) => Math.round((1 - downMin / 105) * 1e6) / 1e6;
    expect(r.byService).toEqual([
      // api1 3 + api2 4 + api3 11 (held by a silence, still down)
      { service: 'api', incidents: 3, downtimeMs: 18 * M, uptime: up(18), cost: 0 },
      // cache0 [2,5) watched of [2,8); cache1 [38,40) + [50,55) watched of [38,55)
      { service: 'cache', incidents: 2, downtimeMs: 10 * M, uptime: up(10), cost: 0 },
      // db1 16 (escalated 22–35: a hold, still down) + db2 6 (stop switch)
      { service: 'db', incidents: 2, downtimeMs: 22 * M, uptime: up(22), cost: 0 },
      // web1 merged: web held in db1 from 21 to 36 = 15; web2 110 → 120 = 10
      { service: 'web', incidents: 1, downtimeMs: 25 * M, uptime: up(25), cost: 0 },
    ]);
  }, 90_000);
});
