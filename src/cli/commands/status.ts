import type { Command } from 'commander';
import type { ServiceStatus } from '../../daemon/index.js';
import { api, apiUrl } from '../client.js';
import { table } from '../table.js';

export function registerStatus(program: Command): void {
  program
    .command('status')
    .description("the running daemon's services and their health")
    .option('-c, --config <file>', 'medic.yaml (to find the API)')
    .option('--url <url>', 'API base URL')
    .option('--json', 'print JSON')
    .action(async (opts: { config?: string; url?: string; json?: boolean }) => {
      const { services } = await api<{ services: ServiceStatus[] }>(await apiUrl(opts), '/api/status');
      if (opts.json) {
        console.log(JSON.stringify(services, null, 2));
        return;
      }
      console.log(
        table(
          ['SERVICE', 'HEALTH', 'PID', 'CHECKS'],
          services.map((s) => [
            s.name,
            s.health,
            s.pid,
            s.checks.map((c) => `${c.name}=${c.state}`).join(' '),
          ]),
        ),
      );
      if (services.some((s) => s.health === 'down')) process.exitCode = 1;
    });
}
