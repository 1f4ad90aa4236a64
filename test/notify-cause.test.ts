import { afterEach, describe, expect, it } from 'vitest';
import { Bus, type Incident, SimulatedClock } from '../src/core/index.js';
import { subscribeNotifications } from '../src/daemon/notifications.js';
import { messageParts, type Notification, NotifyRouter, plainText } from '../src/notify/index.js';
import { memoryLogger, type Receiver, startReceiver } from '../src/notify/notify.fixture.js';
import { SlackNotifier } from '../src/notify/slack.js';
import { openSqliteStore, type SqliteStore } from '../src/store/index.js';
import { tempDir } from './helpers.js';

/**
 * Issue 19: notifications said `Cause: demo` (the service's name, the incident's root-cause *service*) while
 * the diagnosis said `process_crashed`. Every incident notification names the diagnosed cause and its
 * confidence, what Medic did, and what it waits for, as a Slack receiver sees it too.
 */
const T0 = Date.UTC(2026, 2, 1, 3, 0, 0);
const opened: Incident = {
  id: 'inc_demo',
  service: 'demo',
  state: 'open',
  title: 'demo: process exited with code 1',
  severity: 'critical',
  rootCause: 'demo',
  openedAt: T0,
  updatedAt: T0,
  resolvedAt: null,
};

let store: SqliteStore | undefined;
let receiver: Receiver | undefined;
afterEach(async () => {
  await store?.close();
  await receiver?.close();
  store = undefined;
  receiver = undefined;
});

async function setup() {
  store = await openSqliteStore({ dir: await tempDir() });
  receiver = await startReceiver();
  const bus = new Bus();
  const clock = new SimulatedClock(T0);
  const sent: Notification[] = [];
  const events = ['incident.opened', 'incident.resolved', 'incident.escalated', 'incident.flapping'] as const;
  const router = new NotifyRouter([], memoryLogger().logger, { clock })
    .add({ name: 'recorder', send: async (n) => void sent.push(n) }, [...events])
    .add(new SlackNotifier({ name: 'slack', url: receiver.url, timeoutMs: 5_000 }), [...events]);
  const off = subscribeNotifications(bus, () => router, clock, store);
  const waitFor = async (n: number) => {
    for (let i = 0; i < 200 && (sent.length < n || receiver!.received.length < n); i++)
      await new Promise((r) => setTimeout(r, 10));
    expect(sent).toHaveLength(n);
    expect(receiver!.received).toHaveLength(n);
  };
  return { bus, sent, off, waitFor, store };
}

describe('notifications name the diagnosed cause, what Medic did and what it waits for', () => {
  it('opened before diagnosis, escalated and resolved after it', async () => {
    const { bus, sent, off, waitFor, store: s } = await setup();
    await s.createIncident(opened, 'opened');

    bus.emit('incident', { incident: opened, change: 'opened' });
    await waitFor(1);
    const first = plainText(messageParts(sent[0]!));
    expect(first).toContain('Cause: not diagnosed yet');
    expect(first).not.toContain('Cause: demo');
    expect(first).toMatch(/Waiting for: its diagnosis/);

    await s.addTimeline(opened.id, T0 + 500, 'diagnosis', 'demo: process_crashed (confidence 0.95)', {
      service: 'demo',
      cause: 'process_crashed',
      confidence: 0.95,
    });
    await s.createAction(
      {
        id: 'act_1',
        incidentId: opened.id,
        service: 'demo',
        playbook: 'restart-demo',
        step: 0,
        kind: 'restart',
        params: { description: 'restart demo' },
        state: 'failed',
        dryRun: false,
        reason: 'process_crashed',
        createdAt: T0 + 600,
        updatedAt: T0 + 600,
      },
      'planned',
    );
    bus.emit('escalation', {
      service: 'demo',
      incidentId: opened.id,
      reason: 'demo failed 3 heals: Medic stops healing it',
      at: T0 + 1000,
    });
    await waitFor(2);
    const escalation = plainText(messageParts(sent[1]!));
    expect(escalation).toContain('Cause: process_crashed (confidence 0.95)');
    expect(escalation).toContain('What Medic did:\n- restart demo: failed');
    expect(escalation).toMatch(/Waiting for: a human: fix demo, then medic reset demo/);

    bus.emit('incident', {
      incident: { ...opened, state: 'resolved', resolvedAt: T0 + 2000 },
      change: 'resolved',
    });
    await waitFor(3);
    const resolved = plainText(messageParts(sent[2]!));
    expect(resolved).toContain('Cause: process_crashed (confidence 0.95)');
    expect(resolved).not.toContain('Cause: demo');
    expect(resolved).toContain('- restart demo: failed');

    // The same words reach Slack: the cause field of the escalation's blocks.
    const blocks = JSON.stringify((receiver!.received[1]!.body as { blocks: unknown }).blocks);
    expect(blocks).toContain('*Cause*\\nprocess_crashed (confidence 0.95)');
    expect(blocks).toContain('*Waiting for*');
    off();
  });

  it('a dependent names where the trouble comes from beside the cause', async () => {
    const { bus, sent, off, waitFor, store: s } = await setup();
    const api = { ...opened, id: 'inc_api', service: 'api', rootCause: 'db' };
    await s.createIncident(api, 'opened');
    await s.addTimeline(api.id, T0 + 100, 'diagnosis', 'db: db_unreachable', {
      service: 'api',
      cause: 'db_unreachable',
      confidence: 0.9,
    });
    bus.emit('incident', {
      incident: { ...api, state: 'resolved', resolvedAt: T0 + 500 },
      change: 'resolved',
    });
    await waitFor(1);
    const text = plainText(messageParts(sent[0]!));
    expect(text).toContain('Cause: db_unreachable (confidence 0.90)');
    expect(text).toContain('Root cause in: db');
    off();
  });
});
