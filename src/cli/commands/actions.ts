import type { Command } from 'commander';
import type { Action } from '../../core/index.js';
import { api, apiUrl } from '../client.js';
import { ago, table } from '../table.js';

interface Opts {
  config?: string;
  url?: string;
  json?: boolean;
}

const target = (cmd: Command) =>
  cmd.option('-c, --config <file>', 'medic.yaml (to find the API)').option('--url <url>', 'API base URL');

export function registerActions(program: Command): void {
  target(program.command('actions').description('list actions (newest first)'))
    .option('--state <state>', 'awaiting_approval, applied, verified, failed, ...')
    .option('--json', 'print JSON')
    .action(async (opts: Opts & { state?: string }) => {
      const q = new URLSearchParams({ limit: '50' });
      if (opts.state) q.set('state', opts.state);
      const page = await api<{ items: Action[]; total: number }>(await apiUrl(opts), `/api/actions?${q}`);
      if (opts.json) {
        console.log(JSON.stringify(page, null, 2));
        return;
      }
      console.log(
        table(
          ['ID', 'SERVICE', 'PLAYBOOK', 'STEP', 'KIND', 'STATE', 'WHEN'],
          page.items.map((a) => [a.id, a.service, a.playbook, a.step + 1, a.kind, a.state, ago(a.createdAt)]),
        ),
      );
    });
  for (const verb of ['approve', 'reject'] as const) {
    target(program.command(`${verb} <action-id>`).description(`${verb} a heal waiting for approval`)).action(
      async (id: string, opts: Opts) => {
        const r = await api<{ actions: Action[] }>(
          await apiUrl(opts),
          `/api/actions/${encodeURIComponent(id)}/${verb}`,
          {
            method: 'POST',
            body: '{}',
          },
        );
        console.log(`${verb}d: ${r.actions.map((a) => `${a.id} (${a.kind})`).join(', ')}`);
      },
    );
  }
}
