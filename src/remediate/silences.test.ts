import { describe, expect, it } from 'vitest';
import { maintenanceWindowSchema, policySchema } from '../config/index.js';
import type { Finding } from '../core/index.js';
import type { Silence } from '../store/index.js';
import {
  activeMaintenance,
  findingLabels,
  fullMatcher,
  labelConditionHolds,
  MAX_MATCHER_REGEX,
  parseMatcher,
  silenceMatches,
  validateMatcher,
} from './silences.js';

const finding: Finding = {
  id: 'f1',
  service: 'api',
  check: 'alert',
  kind: 'alert',
  severity: 'critical',
  score: 1,
  summary: 'disk almost full',
  evidence: { labels: { alertname: 'DiskFull', pod: 'api-7f9', service: 'spoofed' } },
  at: 0,
};

describe('labels, matchers and silences', () => {
  it("takes an alert's labels, its own winning", () => {
    expect(findingLabels(finding, 'disk_full')).toEqual({
      alertname: 'DiskFull',
      pod: 'api-7f9',
      service: 'api',
      check: 'alert',
      kind: 'alert',
      severity: 'critical',
      cause: 'disk_full',
    });
  });

  it('parses the four matcher operators and rejects bad ones', () => {
    expect(parseMatcher('service=api')).toEqual({ name: 'service', op: '=', value: 'api' });
    expect(parseMatcher('alertname=~"Disk.*"')).toEqual({ name: 'alertname', op: '=~', value: 'Disk.*' });
    expect(parseMatcher('pod!~api-.*')).toMatchObject({ op: '!~' });
    expect(parseMatcher('env!=prod')).toMatchObject({ op: '!=' });
    expect(() => parseMatcher('nonsense')).toThrow(/bad matcher/);
    expect(() => parseMatcher('a=~(')).toThrow(/bad regex/);
  });

  it('silences while every matcher holds, from start to end (end excluded)', () => {
    const labels = findingLabels(finding);
    const s: Silence = {
      id: 's',
      matchers: [parseMatcher('alertname=~Disk.*'), parseMatcher('pod!~web-.*')],
      startsAt: 100,
      endsAt: 200,
      createdBy: 'a',
      comment: '',
      createdAt: 0,
    };
    expect(silenceMatches(s, labels, 99)).toBe(false);
    expect(silenceMatches(s, labels, 100)).toBe(true);
    expect(silenceMatches(s, labels, 200)).toBe(false);
    expect(silenceMatches({ ...s, matchers: [parseMatcher('alertname=~Disk')] }, labels, 150)).toBe(false);
    expect(silenceMatches({ ...s, matchers: [parseMatcher('missing=')] }, labels, 150)).toBe(true);
  });

  it('reads playbook label conditions: equality, ~regex, !inequality', () => {
    expect(labelConditionHolds('api-7f9', 'api-7f9')).toBe(true);
    expect(labelConditionHolds('~api-.*', 'api-7f9')).toBe(true);
    expect(labelConditionHolds('~api', 'api-7f9')).toBe(false);
    expect(labelConditionHolds('!prod', 'dev')).toBe(true);
    expect(labelConditionHolds('!prod', 'prod')).toBe(false);
    expect(labelConditionHolds('x', undefined)).toBe(false);
  });
});

describe('maintenance windows (cron)', () => {
  const nightly = maintenanceWindowSchema.parse({
    name: 'nightly',
    cron: '0 2 * * *',
    duration: '30m',
    timezone: 'UTC',
    services: ['api'],
  });
  const at = (iso: string) => Date.parse(iso);

  it('is open from each firing for its duration, for its services only', () => {
    expect(activeMaintenance([nightly], 'api', at('2026-03-01T01:59:59Z'))).toBeNull();
    expect(activeMaintenance([nightly], 'api', at('2026-03-01T02:00:00Z'))).toMatchObject({
      opened: at('2026-03-01T02:00:00Z'),
      closes: at('2026-03-01T02:30:00Z'),
    });
    expect(activeMaintenance([nightly], 'api', at('2026-03-01T02:29:59Z'))).not.toBeNull();
    expect(activeMaintenance([nightly], 'api', at('2026-03-01T02:30:00Z'))).toBeNull();
    expect(activeMaintenance([nightly], 'db', at('2026-03-01T02:10:00Z'))).toBeNull();
  });

  it('refuses a bad cron expression in the config', () => {
    expect(() => policySchema.parse({ maintenance: [{ cron: 'every night', duration: '1h' }] })).toThrow();
  });
});

describe('matcher regexes', () => {
  it('refuses a regex over 1 KiB, and compiles each pattern once', () => {
    const long = `(${'a|'.repeat(511)}b)`; // 1025 characters
    expect(long.length).toBe(MAX_MATCHER_REGEX + 1);
    expect(() => parseMatcher(`pod=~${long}`)).toThrow(/1025 characters long: at most 1024/);
    expect(() => validateMatcher({ name: 'pod', op: '!~', value: long })).toThrow(/at most 1024/);
    expect(parseMatcher(`pod=~${long.slice(1, -2)}`).op).toBe('=~'); // 1022 characters: fine
    // Equality matchers are no regex: any length.
    expect(() => validateMatcher({ name: 'pod', op: '=', value: long })).not.toThrow();
    expect(fullMatcher('api-.*')).toBe(fullMatcher('api-.*'));
    const s: Silence = {
      id: 's',
      matchers: [{ name: 'pod', op: '=~', value: 'api-.*' }],
      startsAt: 0,
      endsAt: 10,
      createdBy: 'a',
      comment: '',
      createdAt: 0,
    };
    expect(silenceMatches(s, { pod: 'api-7f9' }, 1)).toBe(true);
    expect(silenceMatches(s, { pod: 'xapi-7f9' }, 1)).toBe(false);
  });
});
