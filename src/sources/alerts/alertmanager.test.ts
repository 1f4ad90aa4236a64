import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { mapAlerts, parseAlertmanagerPayload } from './alertmanager.js';

const fixture = (name: string) =>
  JSON.parse(readFileSync(new URL(`./fixtures/${name}.json`, import.meta.url), 'utf8')) as Record<
    string,
    unknown
  >;
const NOW = Date.UTC(2026, 0, 1, 12, 10);

function parse(body: unknown) {
  const r = parseAlertmanagerPayload(body);
  if (!r.ok) throw new Error(r.error.error);
  return r.payload;
}

describe('parseAlertmanagerPayload', () => {
  it('accepts a real version 4 payload, nanosecond times and offsets included', () => {
    const p = parse(fixture('firing'));
    expect(p).toMatchObject({ version: '4', receiver: 'medic', status: 'firing', truncatedAlerts: 0 });
    expect(p.alerts).toHaveLength(3);
  });

  it('ignores fields a newer Alertmanager adds', () => {
    const body = fixture('resolved');
    body['newField'] = { x: 1 };
    expect(parseAlertmanagerPayload(body).ok).toBe(true);
  });

  it.each([
    ['a non-object', [], 400, 'body must be a JSON object'],
    ['no alerts', { ...fixture('firing'), alerts: undefined }, 400, 'alerts: Invalid input: expected array'],
    [
      'a bad status',
      {
        ...fixture('firing'),
        alerts: [{ ...(fixture('firing')['alerts'] as object[])[0], status: 'pending' }],
      },
      400,
      'alerts.0.status: Invalid option',
    ],
    [
      'a bad time',
      {
        ...fixture('firing'),
        alerts: [{ ...(fixture('firing')['alerts'] as object[])[0], startsAt: 'yesterday' }],
      },
      400,
      'alerts.0.startsAt: Invalid ISO datetime',
    ],
    [
      'labels that are not strings',
      {
        ...fixture('firing'),
        alerts: [{ ...(fixture('firing')['alerts'] as object[])[0], labels: { service: 3 } }],
      },
      400,
      'alerts.0.labels.service: Invalid input: expected string',
    ],
    ['another version', { ...fixture('firing'), version: '3' }, 422, 'version: unsupported payload version'],
  ])('rejects %s, naming the field', (_what, body, status, message) => {
    const r = parseAlertmanagerPayload(body);
    expect(r.ok).toBe(false);
    if (r.ok) return;
    expect(r.error.status).toBe(status);
    expect(r.error.error).toContain(message);
  });
});

describe('mapAlerts', () => {
  it('turns firing alerts into alert findings, service from the first label present', () => {
    const m = mapAlerts(parse(fixture('firing')), { now: NOW });
    expect(m.findings.map((f) => [f.service, f.check, f.kind, f.severity, f.at])).toEqual([
      ['api', 'alert:HighErrorRate', 'alert', 'critical', Date.UTC(2026, 0, 1, 12, 0, 0, 123)],
      ['db', 'alert:TargetDown', 'alert', 'warning', Date.UTC(2026, 0, 1, 12, 0, 5)],
    ]);
    expect(m.findings[0]).toMatchObject({
      summary: 'api answers 12% of requests with 5xx',
      score: 1,
      evidence: {
        source: 'alertmanager',
        alertname: 'HighErrorRate',
        fingerprint: 'c2a1f3b4d5e6f708',
        receiver: 'medic',
        labels: { instance: 'api-1:9100' },
      },
    });
    expect(m.findings[1]?.summary).toBe('TargetDown firing on db');
    expect(m.unmapped).toEqual([
      { fingerprint: 'ffffeeeeddddcccc', alertname: 'Watchdog', reason: 'no label among service, job, app' },
    ]);
    expect(m.resolutions).toEqual([]);
  });

  it('maps with the configured labels and only to known services', () => {
    const m = mapAlerts(parse(fixture('firing')), {
      now: NOW,
      serviceLabels: ['job'],
      services: new Set(['db']),
    });
    expect(m.findings.map((f) => f.service)).toEqual(['db']);
    expect(m.unmapped.map((u) => u.reason)).toEqual([
      'job="node" is not a configured service',
      'no label among job',
    ]);
  });

  it('turns resolved alerts into resolutions at their end time', () => {
    const m = mapAlerts(parse(fixture('resolved')), { now: NOW });
    expect(m.findings).toEqual([]);
    expect(m.resolutions).toEqual([
      {
        service: 'api',
        check: 'alert:HighErrorRate',
        fingerprint: 'c2a1f3b4d5e6f708',
        alertname: 'HighErrorRate',
        at: Date.UTC(2026, 0, 1, 12, 4, 30, 500),
      },
    ]);
  });
});
