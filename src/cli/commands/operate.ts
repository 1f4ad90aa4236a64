/**
 * The operator's verbs on one service: `medic reset SERVICE` (forget failed heals and an escalation; a
 * service still failing is healed again at once) and `medic run-playbook SERVICE PLAYBOOK` (run a playbook
 * on its open incident now, through the guard and approvals). Both need the operator role.
 */
import type { Command } from 'commander';
import type { Action } from '../../core/index.js';
import { api, apiUrl } from '../client.js';

interface Opts {
  config?: string;
  url?: string;
  json?: boolean;
}

interface ResetView {
  service: string;
  reset: boolean;
  deciding: boolean;
}

interface RunView {
  service: string;
  playbook: string;
  incidentId: string;
  verdict: 'run' | 'ask' | 'suggest' | 'dry_run';
  reason: string;
  actions: Action[];
}

const target = (cmd: Command) =>
  cmd
    .option('-c, --config <file>', 'medic.yaml (to find the API)')
    .option('--url <url>', 'API base URL')
    .option('--json', 'print JSON');

const path = (...parts: string[]) => parts.map(encodeURIComponent).join('/');

/** What a run request came to, in a line the operator can act on. */
export function describeRun(r: RunView): string {
  const first = r.actions[0]?.id ?? '';
  switch (r.verdict) {
    case 'run':
      return `${r.playbook} is running on ${r.service} (incident ${r.incidentId}; follow it with \`medic actions --service ${r.service}\`)`;
    case 'ask':
      return `${r.playbook} on ${r.service} waits for approval: ${r.reason} (\`medic approve ${first}\`)`;
    default:
      return `${r.playbook} on ${r.service} not run: ${r.reason}`;
  }
}

export function registerOperate(program: Command): void {
  target(
    program
      .command('reset <service>')
      .description(
        'forget failed heals and an escalation; a service still failing is healed again at once (operator)',
      ),
  ).action(async (service: string, opts: Opts) => {
    const r = await api<ResetView>(await apiUrl(opts), `/api/services/${path(service)}/reset`, {
      method: 'POST',
    });
    const text = () =>
      r.deciding ? `${service} reset: it still fails, so its heal is decided now` : `${service} reset`;
    console.log(opts.json ? JSON.stringify(r, null, 2) : text());
  });

  target(
    program
      .command('run-playbook <service> <playbook>')
      .description(
        "run a playbook on the service's open incident now, through the guard and approvals (operator)",
      ),
  ).action(async (service: string, playbook: string, opts: Opts) => {
    const r = await api<RunView>(
      await apiUrl(opts),
      `/api/services/${path(service, 'playbooks', playbook)}/run`,
      { method: 'POST' },
    );
    console.log(opts.json ? JSON.stringify(r, null, 2) : describeRun(r));
  });
}
