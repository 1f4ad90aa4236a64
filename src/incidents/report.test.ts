import { describe, expect, it } from 'vitest';
import type { Incident, Outcome } from '../core/index.js';
import { buildReport, type ReportInput } from './report.js';
import { renderReportHtml, renderReportMarkdown } from './report-render.js';

const T = Date.UTC(2026, 0, 1);
const S = 1000;
const H = 3_600_000;

function incident(
  id: string,
  service: string,
  openedAt: number,
  state: Incident['state'],
  resolvedAt: number | null,
): Incident {
  return {
    id,
    service,
    state,
    title: `${service} down`,
    severity: 'critical',
    rootCause: service,
    openedAt,
    updatedAt: openedAt,
    resolvedAt,
  };
}

function outcome(
  incidentId: string,
  service: string,
  playbook: string,
  success: boolean,
  healMs: number | null,
  cause = 'unknown',
): Outcome {
  return { incidentId, service, cause, playbook, success, healMs, at: T + 1 };
}

const input: ReportInput = {
  since: T,
  until: T + 24 * H,
  incidents: [
    incident('inc_1', 'db', T + 10 * S, 'resolved', T + 40 * S),
    incident('inc_2', 'api', T + H, 'resolved', T + H + 20 * S),
    incident('inc_3', 'web', T + 2 * H, 'escalated', null),
    incident('inc_4', 'db', T + 3 * H, 'resolved', T + 3 * H + 60 * S),
    incident('inc_old', 'db', T - 48 * H, 'resolved', T - 47 * H),
  ],
  outcomes: [
    outcome('inc_1', 'db', 'restart-db', true, 25 * S),
    outcome('inc_3', 'web', 'restart-web', false, null),
    outcome('inc_4', 'db', 'restart-db', true, 35 * S, 'process_crashed'),
  ],
  actions: [
    {
      id: 'act_9',
      incidentId: 'inc_4',
      service: 'db',
      playbook: 'restart-db',
      step: 0,
      kind: 'restart',
      params: {},
      state: 'verified',
      dryRun: false,
      reason: '',
      createdAt: T,
      updatedAt: T,
    },
  ],
  audit: [
    {
      seq: 1,
      at: T,
      actor: 'medic',
      event: 'incident.opened',
      subject: 'inc_1',
      data: {},
      prevHash: '',
      hash: '',
    },
    {
      seq: 2,
      at: T,
      actor: 'alice',
      event: 'incident.note',
      subject: 'inc_3',
      data: {},
      prevHash: '',
      hash: '',
    },
    {
      seq: 3,
      at: T,
      actor: 'bob',
      event: 'action.approved',
      subject: 'act_9',
      data: {},
      prevHash: '',
      hash: '',
    },
  ],
  timelines: {
    inc_1: [
      {
        id: 1,
        incidentId: 'inc_1',
        at: T,
        kind: 'diagnosis',
        state: null,
        message: 'crashed',
        data: { cause: 'process_crashed' },
      },
    ],
  },
  probes: [
    { service: 'api', check: 'http', at: T + H - 30 * S, result: { ok: true, latencyMs: 5, message: 'ok' } },
    {
      service: 'api',
      check: 'http',
      at: T + H - 20 * S,
      result: { ok: false, latencyMs: 5, message: '503' },
    },
    {
      service: 'api',
      check: 'http',
      at: T + H - 10 * S,
      result: { ok: false, latencyMs: 5, message: '503' },
    },
  ],
  faults: [{ service: 'db', at: T }],
  costPerMinute: { web: 10, db: 5 },
  slos: [{ service: 'api', availability: 0.5 }],
};

describe('buildReport', () => {
  it('computes MTTD, MTTR, healing without humans, false alarms, downtime, causes and playbooks', () => {
    const r = buildReport(input);
    expect(r.incidents).toEqual({ total: 4, resolved: 3, escalated: 1, suppressed: 0, open: 0 });
    // inc_1: 10 s after the drill's fault; inc_2: 20 s after its first failing probe; the others unmeasured.
    expect(r.mttdMs).toBe(15 * S);
    expect(r.mttdSamples).toBe(2);
    // Recovery counts from the fault where one is known (inc_1: 10 s before it opened), else from the opening.
    expect(r.mttrMs).toBe(Math.round(((10 + 30 + 20 + 60) * S) / 3));
    expect(r.healedWithoutHuman).toEqual({ count: 1, share: 0.25 });
    expect(r.falseAlarms).toEqual({ count: 1, share: 0.25 });
    expect(r.byService).toEqual([
      { service: 'api', incidents: 1, downtimeMs: 20 * S, uptime: 0.999769, cost: 0 },
      { service: 'db', incidents: 2, downtimeMs: 90 * S, uptime: 0.998958, cost: 7.5 },
      { service: 'web', incidents: 1, downtimeMs: 22 * H, uptime: 0.083333, cost: 13_200 },
    ]);
    expect(r.totalCost).toBe(13_207.5);
    expect(r.byCause).toEqual([
      { cause: 'process_crashed', incidents: 2 },
      { cause: 'unknown', incidents: 2 },
    ]);
    expect(r.playbooks).toEqual([
      { playbook: 'restart-db', runs: 2, successes: 2, successRate: 1, medianHealMs: 30 * S },
      { playbook: 'restart-web', runs: 1, successes: 0, successRate: 0, medianHealMs: null },
    ]);
    expect(r.slos[0]?.availability).toMatchObject({ total: 3, good: 1, met: false });
  });

  it('renders the same figures as Markdown and HTML', () => {
    const r = buildReport(input);
    const md = renderReportMarkdown(r);
    expect(md).toContain('| MTTD | 15.0s (2 measured) |');
    expect(md).toContain('| restart-db | 2 | 100% | 30.0s |');
    expect(md).toContain('| web | 1 | 22.0h | 8.333% | 13200.00 |');
    const html = renderReportHtml(r);
    expect(html).toContain('<td>MTTR</td><td>40.0s</td>');
    expect(html).toContain('<h2>Top causes</h2>');
  });

  it('reports an empty period without dividing by zero', () => {
    const r = buildReport({ since: T, until: T + H, incidents: [], outcomes: [] });
    expect(r).toMatchObject({
      mttdMs: null,
      mttrMs: null,
      healedWithoutHuman: { count: 0, share: 0 },
      byService: [],
      totalCost: 0,
    });
    expect(renderReportMarkdown(r)).toContain('## Services\n\n_none_');
  });
});
