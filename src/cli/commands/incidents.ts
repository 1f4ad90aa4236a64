import type { Command } from 'commander';
import type { Action, Incident, TimelineEntry } from '../../core/index.js';
import { api, apiUrl } from '../client.js';
import { ago, table } from '../table.js';

interface Opts {
  config?: string;
  url?: string;
  json?: boolean;
}

export function registerIncidents(program: Command): void {
  const cmd = program
    .command('incidents')
    .description('list incidents (newest first), or show one with `incidents show ID`')
    .option('-c, --config <file>', 'medic.yaml (to find the API)')
    .option('--url <url>', 'API base URL')
    .option('--state <state>', 'active, open, resolved, escalated, ...')
    .option('--service <name>', 'only this service')
    .option('--limit <n>', 'how many', '20')
    .option('--json', 'print JSON')
    .action(async (opts: Opts & { state?: string; service?: string; limit: string }) => {
      const q = new URLSearchParams({ limit: opts.limit });
      if (opts.state) q.set('state', opts.state);
      if (opts.service) q.set('service', opts.service);
      const page = await api<{ items: Incident[]; total: number }>(await apiUrl(opts), `/api/incidents?${q}`);
      if (opts.json) {
        console.log(JSON.stringify(page, null, 2));
        return;
      }
      console.log(
        table(
          ['ID', 'SERVICE', 'STATE', 'OPENED', 'TITLE'],
          page.items.map((i) => [i.id, i.service, i.state, ago(i.openedAt), i.title]),
        ),
      );
      console.log(`${page.items.length} of ${page.total}`);
    });
  cmd
    .command('show <id>')
    .description("an incident's timeline and actions")
    .option('-c, --config <file>', 'medic.yaml (to find the API)')
    .option('--url <url>', 'API base URL')
    .option('--json', 'print JSON')
    .action(async (id: string, _opts: Opts, command: Command) => {
      // The parent `incidents` declares the same options and takes them first: read both.
      const opts = command.optsWithGlobals<Opts>();
      const d = await api<{ incident: Incident; timeline: TimelineEntry[]; actions: Action[] }>(
        await apiUrl(opts),
        `/api/incidents/${encodeURIComponent(id)}`,
      );
      if (opts.json) {
        console.log(JSON.stringify(d, null, 2));
        return;
      }
      console.log(`${d.incident.id}  ${d.incident.service}  ${d.incident.state}  ${d.incident.title}\n`);
      console.log(
        table(
          ['AT', 'KIND', 'MESSAGE'],
          d.timeline.map((t) => [new Date(t.at).toISOString(), t.state ? `→ ${t.state}` : t.kind, t.message]),
        ),
      );
      if (d.actions.length > 0) {
        console.log(
          `\n${table(
            ['ACTION', 'STEP', 'KIND', 'STATE'],
            d.actions.map((a) => [a.id, a.step + 1, a.kind, a.state]),
          )}`,
        );
      }
    });
}
