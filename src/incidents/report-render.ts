import { formatDuration } from '../core/index.js';
import type { Report } from './report.js';

/** A report as sections of tables, rendered once to Markdown or HTML so both formats say the same. */
interface Table {
  title: string;
  head: string[];
  rows: string[][];
}

const pct = (x: number | null, digits = 2) => (x === null ? 'n/a' : `${(x * 100).toFixed(digits)}%`);
const dur = (ms: number | null) => (ms === null ? 'n/a' : formatDuration(ms));
const iso = (t: number) => new Date(t).toISOString();

function tables(r: Report): Table[] {
  return [
    {
      title: 'Summary',
      head: ['Figure', 'Value'],
      rows: [
        [
          'Incidents',
          `${r.incidents.total} (${r.incidents.resolved} resolved, ${r.incidents.escalated} escalated, ${r.incidents.open} open)`,
        ],
        ['Watched', dur(r.watchedMs)],
        [
          'Escalations',
          `${r.escalations.incidents} incidents, ${r.escalations.sent} sent, ${r.escalations.reminders} reminders`,
        ],
        ['MTTD', `${dur(r.mttdMs)} (${r.mttdSamples} measured)`],
        ['MTTR', dur(r.mttrMs)],
        ['Healed without a human', `${r.healedWithoutHuman.count} (${pct(r.healedWithoutHuman.share, 0)})`],
        ['Healed after a human stepped in', String(r.healedAfterHuman)],
        ['False alarms', `${r.falseAlarms.count} (${pct(r.falseAlarms.share, 0)})`],
        ['Downtime cost', r.totalCost.toFixed(2)],
      ],
    },
    {
      title: 'Services',
      head: ['Service', 'Incidents', 'Downtime', 'Uptime', 'Cost'],
      rows: r.byService.map((s) => [
        s.service,
        String(s.incidents),
        dur(s.downtimeMs),
        pct(s.uptime, 3),
        s.cost.toFixed(2),
      ]),
    },
    {
      title: 'SLOs',
      head: ['Service', 'Availability', 'Objective', 'Budget left', 'Latency', 'Alerts'],
      rows: r.slos.map((s) => [
        s.service,
        pct(s.availability.sli, 3),
        pct(s.availability.objective, 3),
        pct(s.availability.budgetRemaining, 0),
        s.latency ? `${pct(s.latency.sli, 2)} of ${pct(s.latency.objective, 2)}` : '-',
        s.alerts.map((a) => `${a.severity}: ${a.rule}`).join('; ') || 'none',
      ]),
    },
    {
      title: 'Top causes',
      head: ['Cause', 'Incidents'],
      rows: r.byCause.map((c) => [c.cause, String(c.incidents)]),
    },
    {
      title: 'Security',
      head: ['Figure', 'Value'],
      rows: [
        [
          'Bans',
          `${r.security.bans.applied} (${r.security.bans.addresses} addresses), ${r.security.bans.lifted} lifted by hand, ${r.security.bans.failed} failed`,
        ],
        ['Abuse findings', String(r.security.abuse)],
        [
          'Vulnerable dependencies',
          `${r.security.advisories.packages} packages; ${r.security.advisories.updated} updates kept, ${r.security.advisories.rolledBack} rolled back`,
        ],
        ['Configuration drift', `${r.security.drift.files} files; ${r.security.drift.corrected} corrected`],
      ],
    },
    {
      title: 'Playbooks',
      head: ['Playbook', 'Runs', 'Success rate', 'Median time to heal'],
      rows: r.playbooks.map((p) => [p.playbook, String(p.runs), pct(p.successRate, 0), dur(p.medianHealMs)]),
    },
  ];
}

export function renderReportMarkdown(r: Report): string {
  const cell = (s: string) => s.replace(/\|/g, '\\|');
  const out = [`# Medic report`, '', `${iso(r.since)} to ${iso(r.until)}`];
  for (const t of tables(r)) {
    out.push('', `## ${t.title}`, '');
    if (t.rows.length === 0) {
      out.push('_none_');
      continue;
    }
    out.push(`| ${t.head.join(' | ')} |`, `|${t.head.map(() => ' --- ').join('|')}|`);
    for (const row of t.rows) out.push(`| ${row.map(cell).join(' | ')} |`);
  }
  return `${out.join('\n')}\n`;
}

export function renderReportHtml(r: Report): string {
  const e = (s: string) => s.replace(/&/g, '&amp;').replace(/</g, '&lt;').replace(/>/g, '&gt;');
  const body = tables(r).map((t) => {
    const rows = t.rows.map((row) => `<tr>${row.map((c) => `<td>${e(c)}</td>`).join('')}</tr>`).join('\n');
    const table =
      t.rows.length === 0
        ? '<p><em>none</em></p>'
        : `<table><thead><tr>${t.head.map((h) => `<th>${e(h)}</th>`).join('')}</tr></thead><tbody>\n${rows}\n</tbody></table>`;
    return `<h2>${e(t.title)}</h2>\n${table}`;
  });
  return [
    '<!doctype html><html><head><meta charset="utf-8"><title>Medic report</title>',
    '<style>body{font-family:system-ui,sans-serif;margin:2em}table{border-collapse:collapse}td,th{border:1px solid #ccc;padding:4px 8px;text-align:left}</style>',
    `</head><body><h1>Medic report</h1><p>${e(iso(r.since))} to ${e(iso(r.until))}</p>`,
    ...body,
    '</body></html>',
  ].join('\n');
}
