import { describe, expect, it } from 'vitest';
import type { Finding } from '../core/index.js';
import type { EvidenceBundle } from './evidence.js';
import { diagnoseByRules } from './rules.js';

const T = Date.UTC(2026, 0, 1, 12);
const SEC = 1000;
const LINK = '/srv/api/current';

function finding(over: Partial<Finding> = {}): Finding {
  return {
    id: 'fnd_1',
    service: 'api',
    check: 'health',
    kind: 'down',
    severity: 'critical',
    score: 1,
    summary: 'api/health down: 500 Internal Server Error',
    evidence: {},
    at: T - 2 * SEC,
    ...over,
  };
}

const probe = (at: number, ok: boolean, check = 'health') => ({
  check,
  at,
  ok,
  latencyMs: 3,
  message: ok ? '200 OK' : '500 Internal Server Error',
});

/**
 * The API's health failing since 2 s ago; `current` switched `switchedAgo` before that, and the process
 * running now started `startedAgo` before T (null: not running).
 */
function bundle(switchedAgo: number, startedAgo: number | null, over: Partial<EvidenceBundle> = {}) {
  const changedAt = T - 2 * SEC - switchedAgo;
  return {
    service: 'api',
    at: T,
    findings: [finding()],
    trigger: { kind: 'down', check: 'health' },
    releases: [
      {
        path: LINK,
        target: 'releases/20260101115959',
        changedAt,
        previous: '20251231090000',
        newest: true,
        runStartedAt: startedAgo === null ? null : T - startedAgo,
      },
    ],
    probes: [probe(T - 2 * SEC, false), probe(T - SEC, false)],
    ...over,
  } satisfies EvidenceBundle;
}

const causeOf = (b: EvidenceBundle) => diagnoseByRules(b)[0];

describe('bad_deploy', () => {
  it('names a release switched just before the failure, run by the process since, never healthy on it', () => {
    const d = causeOf(bundle(SEC, 2.5 * SEC));
    expect(d).toMatchObject({ cause: 'bad_deploy', confidence: 0.9 });
    expect(d?.evidence).toEqual([
      `${LINK} was switched from release 20251231090000 to releases/20260101115959 1 s before the first failure`,
      'its health check has not passed since the new release went live',
      'the process running now started after the switch: it runs that release',
    ]);
  });

  it.each([
    // what differs from the case above → the cause named first
    { name: 'switched 20 min before the failure', b: bundle(20 * 60 * SEC, 2.5 * SEC), cause: undefined },
    { name: 'switched after the failure began', b: bundle(-SEC, 0.5 * SEC), cause: undefined },
    {
      // It passed the check on the new release for a while: whatever broke later is not the deploy.
      name: 'the check passed since the release went live',
      b: bundle(60 * SEC, 55 * SEC, {
        probes: [probe(T - 30 * SEC, true), probe(T - 2 * SEC, false), probe(T - SEC, false)],
      }),
      cause: undefined,
    },
    {
      // A pass of another check (its settings are fine) does not clear the release.
      name: 'another check passed',
      b: bundle(SEC, 2.5 * SEC, { probes: [probe(T - SEC, true, 'config'), probe(T - SEC, false)] }),
      cause: 'bad_deploy',
    },
    {
      // The settings check answered on the new release and failed only while a restart ran; the health
      // check has not passed once since the release went live: the release is still the cause.
      name: 'the trigger passed since, another check never did',
      b: bundle(SEC, 2.5 * SEC, {
        findings: [finding({ check: 'config', summary: 'api/config down: connection refused' })],
        trigger: { kind: 'down', check: 'config' },
        probes: [probe(T - 2 * SEC, true, 'config'), probe(T - SEC, false, 'config'), probe(T - SEC, false)],
      }),
      cause: 'bad_deploy',
    },
    {
      // Both checks passed after the switch, answered by the release before until the deploy restarted it;
      // since the new process started, health has not passed once.
      name: 'passes before the new release started',
      b: bundle(4 * SEC, 2.5 * SEC, {
        findings: [finding({ check: 'config', summary: 'api/config down: connection refused' })],
        trigger: { kind: 'down', check: 'config' },
        probes: [
          probe(T - 5 * SEC, true),
          probe(T - 5 * SEC, true, 'config'),
          probe(T - 2 * SEC, false, 'config'),
          probe(T - SEC, false),
        ],
      }),
      cause: 'bad_deploy',
    },
    {
      // The process was not restarted since the switch: it may still run the release before.
      name: 'not restarted since the switch',
      b: bundle(SEC, 3600 * SEC),
      confidence: 0.6,
      cause: 'bad_deploy',
    },
    { name: 'no release link', b: bundle(SEC, 2.5 * SEC, { releases: [] }), cause: undefined },
    // The first release (nothing before it), or a rollback to an older one: no new release went live.
    {
      name: 'the first release',
      b: bundle(SEC, 2.5 * SEC, { releases: [{ ...bundle(SEC, 2.5 * SEC).releases[0]!, previous: null }] }),
      cause: undefined,
    },
    {
      name: 'a rollback',
      b: bundle(SEC, 2.5 * SEC, { releases: [{ ...bundle(SEC, 2.5 * SEC).releases[0]!, newest: false }] }),
      cause: undefined,
    },
    // A trend of the service (a forecast) has no results of its own to judge the release by.
    {
      name: 'a forecast',
      b: bundle(SEC, 2.5 * SEC, {
        findings: [finding({ kind: 'forecast', check: 'forecast:rss' })],
        trigger: { kind: 'forecast', check: 'forecast:rss' },
      }),
      cause: undefined,
    },
    // Nothing runs (stopped, or a restart under way): a check failing meanwhile is no sign of the release.
    { name: 'no process running', b: bundle(SEC, null), cause: undefined },
  ])('$name → $cause', ({ b, cause, ...c }) => {
    const d = diagnoseByRules(b).find((x) => x.cause === 'bad_deploy');
    expect(d?.cause).toBe(cause);
    if ('confidence' in c) expect(d?.confidence).toBe(c.confidence);
  });

  it('does not take the stop of a deploy’s restart, a kill or a stopped process for the release failing', () => {
    const exit = (code: number | null, signal: string | null) =>
      bundle(0.1 * SEC, null, {
        findings: [finding({ check: 'running', evidence: { code, signal } })],
        trigger: { kind: 'down', check: 'running', exit: true },
        exits: [{ at: T - 2 * SEC, code, signal }],
        probes: [],
      });
    expect(causeOf(exit(0, null))?.cause).toBeUndefined();
    expect(causeOf(exit(null, 'SIGKILL'))?.cause).not.toBe('bad_deploy');
    // An error exit after the switch (a start the release fails): the release, over a plain crash.
    expect(causeOf(exit(1, null))).toMatchObject({ cause: 'bad_deploy', confidence: 0.9 });
    const stopped = bundle(SEC, 2.5 * SEC, { processState: { pid: 42, state: 'T' }, processAlive: true });
    expect(diagnoseByRules(stopped).map((d) => d.cause)).not.toContain('bad_deploy');
  });
});
