import { afterEach, describe, expect, it } from 'vitest';
import type { Medic } from '../src/daemon/index.js';
import { type Receiver, startReceiver } from '../src/notify/notify.fixture.js';
import { tempDir, waitFor } from './helpers.js';
import { startMedic } from './incidents-helpers.js';

let medic: Medic | null = null;
const receivers: Receiver[] = [];
afterEach(async () => {
  await medic?.stop();
  medic = null;
  await Promise.all(receivers.splice(0).map((r) => r.close()));
});

/** Alertmanager says the queue is stuck (as the receiver would pass it on): an `alert` finding for queue. */
async function queueStuck(m: Medic, fingerprint: string) {
  return m.alerts().ingest({
    version: '4',
    groupKey: '{}:{alertname="QueueStuck"}',
    status: 'firing',
    receiver: 'medic',
    alerts: [
      {
        status: 'firing',
        labels: { alertname: 'QueueStuck', service: 'queue', severity: 'warning' },
        annotations: { summary: 'queue depth keeps growing' },
        startsAt: new Date(m.clock.now()).toISOString(),
        fingerprint,
      },
    ],
  });
}

describe('escalation reaches people', () => {
  it('a heal that fails escalates: Slack says Medic needs a human, PagerDuty triggers critical', async () => {
    const slack = await startReceiver();
    const pd = await startReceiver((_req, res) => {
      res.statusCode = 202;
      res.end('{"status":"success"}');
    });
    receivers.push(slack, pd);
    const dir = await tempDir();
    medic = await startMedic(
      dir,
      `services: { queue: {} }
playbooks:
  flush-queue:
    when: { service: queue, kind: alert }
    steps: [{ exec: { command: ["false"] } }]
policy: { max_failed_heals: 1 }
notifiers:
  - slack: { url: "${slack.url}/services/T/B/x" }
    events: [incident.opened, incident.escalated]
    group_wait: 0s # the opening at once too: the test reads both
    group_interval: 0s
  - pagerduty: { routing_key: "KEY", base_url: "${pd.url}" }
store: { dir: ./data }
`,
    );
    const m = medic;
    // An alert finding with the queue's alert check forced down, as the Alertmanager receiver does.
    const answer = await queueStuck(m, 'abc123');
    expect(answer).toMatchObject({ ok: true, answer: { findings: 1, resolved: 0 } });
    const escalated = await waitFor('escalated', async () => {
      const i = await m.store.activeIncident('queue');
      return i?.state === 'escalated' ? i : null;
    });
    const escalation = await waitFor('slack escalation', () =>
      slack.received.find((r) => /needs a human/.test((r.body as { text: string }).text)),
    );
    // The message says what Medic did and what it waits for, not only that something broke.
    const text = JSON.stringify(escalation.body);
    expect(text).toContain('*What Medic did*\\n• run [\\"false\\"]: failed');
    expect(text).toContain('POST /api/services/queue/reset');
    const pdEvents = await waitFor('pagerduty trigger', () => {
      const e = pd.received.map((r) => r.body as { event_action: string; payload?: { severity: string } });
      return e.some((x) => x.payload?.severity === 'critical') ? e : null;
    });
    expect(pdEvents.every((e) => e.event_action === 'trigger')).toBe(true);
    expect(pd.received.every((r) => (r.body as { dedup_key: string }).dedup_key === escalated.id)).toBe(true);
  });

  it('escalate.route: the escalation goes once, to the named notifier only', async () => {
    const team = await startReceiver();
    const dba = await startReceiver();
    receivers.push(team, dba);
    const dir = await tempDir();
    medic = await startMedic(
      dir,
      `services: { queue: {} }
playbooks:
  flush-queue:
    when: { service: queue, kind: alert }
    steps: [{ exec: { command: ["false"] } }]
    escalate: { route: dba }
policy: { max_failed_heals: 1 }
notifiers:
  - name: team
    webhook: { url: "${team.url}/team" }
    events: [incident.escalated]
  - name: dba
    webhook: { url: "${dba.url}/dba" }
    events: [incident.escalated]
store: { dir: ./data }
`,
    );
    const m = medic;
    await queueStuck(m, 'abc124');
    await waitFor('the escalation at the dba notifier', () => dba.received.length >= 1);
    await new Promise((r) => setTimeout(r, 500)); // a second copy, if any, would be here by now
    expect(dba.received).toHaveLength(1);
    expect(JSON.stringify(dba.received[0]?.body)).toMatch(/needs a human/);
    expect(team.received).toHaveLength(0);
  });
});
