import { afterEach, describe, expect, it } from 'vitest';
import { notification, type Receiver, startReceiver } from './notify.fixture.js';
import { PagerDutyNotifier } from './pagerduty.js';

let receiver: Receiver | undefined;
afterEach(async () => {
  await receiver?.close();
  receiver = undefined;
});

/** PagerDuty's Events API v2 enqueue endpoint: 202 on a valid event, 400 with errors otherwise. */
async function startEventsApi() {
  return startReceiver((req, res) => {
    const body = receiver?.received.at(-1)?.body as Record<string, unknown>;
    const errors: string[] = [];
    if (req.url !== '/v2/enqueue') errors.push('not found');
    if (typeof body['routing_key'] !== 'string' || (body['routing_key'] as string).length !== 32)
      errors.push('Invalid routing key');
    if (!['trigger', 'acknowledge', 'resolve'].includes(String(body['event_action'])))
      errors.push('Invalid event_action');
    if (body['event_action'] === 'trigger') {
      const p = body['payload'] as Record<string, unknown> | undefined;
      if (!p?.['summary'] || !p['source']) errors.push("'payload' is missing or blank");
      if (!['critical', 'error', 'warning', 'info'].includes(String(p?.['severity'])))
        errors.push('Invalid severity');
    } else if (!body['dedup_key']) errors.push("'dedup_key' is missing or blank");
    res.setHeader('content-type', 'application/json');
    if (errors.length > 0) {
      res.statusCode = 400;
      res.end(JSON.stringify({ status: 'invalid event', message: 'Event object is invalid', errors }));
      return;
    }
    res.statusCode = 202;
    res.end(JSON.stringify({ status: 'success', message: 'Event processed', dedup_key: body['dedup_key'] }));
  });
}

const KEY = 'R0123456789ABCDEF0123456789ABCDE';

function pd(baseUrl: string, routingKey = KEY) {
  return new PagerDutyNotifier({
    name: 'oncall',
    routingKey,
    baseUrl,
    timeoutMs: 2000,
    linkBase: 'http://medic:7070',
  });
}

describe('PagerDutyNotifier', () => {
  it('triggers with the incident id as dedup_key, then resolves the same key', async () => {
    receiver = await startEventsApi();
    const base = receiver.url.replace('/hook', '');
    await pd(base).send(
      notification({
        data: {
          severity: 'critical',
          cause: 'db_unreachable',
          did: 'restarted db',
          waitingFor: 'verification',
        },
      }),
    );
    await pd(base).send(notification({ event: 'incident.resolved' }));
    const [trigger, resolve] = receiver.received.map((r) => r.body);
    expect(trigger).toEqual({
      routing_key: KEY,
      event_action: 'trigger',
      dedup_key: 'inc_1',
      payload: {
        summary: 'api is down: health check failed 3 times',
        source: 'api',
        severity: 'critical',
        timestamp: '2026-01-01T00:00:00.000Z',
        component: 'api',
        class: 'db_unreachable',
        custom_details: {
          what_happened: 'health check failed 3 times',
          what_medic_did: ['restarted db'],
          waiting_for: 'verification',
          Service: 'api',
          Event: 'incident opened',
          Severity: 'critical',
          Cause: 'db_unreachable',
          Incident: 'inc_1',
        },
      },
      client: 'Medic',
      client_url: 'http://medic:7070/incidents/inc_1',
      links: [{ href: 'http://medic:7070/incidents/inc_1', text: 'Medic incident' }],
    });
    expect(resolve).toEqual({ routing_key: KEY, event_action: 'resolve', dedup_key: 'inc_1' });
  });

  it('pages an escalation as critical and sends nothing for action notices', async () => {
    receiver = await startEventsApi();
    const base = receiver.url.replace('/hook', '');
    await pd(base).send(notification({ event: 'action' }));
    await pd(base).send(notification({ event: 'incident.escalated', incidentId: null, data: {} }));
    expect(receiver.received).toHaveLength(1);
    expect(receiver.received[0]?.body).toMatchObject({
      event_action: 'trigger',
      dedup_key: 'medic-api',
      payload: { severity: 'critical' },
    });
  });

  it("reports PagerDuty's refusal with its errors", async () => {
    receiver = await startEventsApi();
    const err = await pd(receiver.url.replace('/hook', ''), 'short')
      .send(notification())
      .catch((e: Error) => e);
    expect(String(err)).toMatch(
      /pagerduty oncall \(http:\/\/127\.0\.0\.1:\d+\): HTTP 400: .*Invalid routing key/,
    );
  });
});
