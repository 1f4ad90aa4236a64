import type { Command } from 'commander';
import type { TopologySuggestion } from '../../incidents/index.js';
import { api, apiUrl } from '../client.js';
import { table } from '../table.js';

interface Topology {
  services: { name: string; dependsOn: string[]; dependents: string[] }[];
  cycles: string[][];
  suggestions: TopologySuggestion[];
}

/** `medic topology`: the declared dependency graph and the links Medic learned from findings. */
export function registerTopology(program: Command): void {
  program
    .command('topology')
    .description('the dependency graph (depends_on) and dependencies suggested by findings arriving together')
    .option('-c, --config <file>', 'medic.yaml (to find the API)')
    .option('--url <url>', 'API base URL')
    .option('--json', 'print JSON')
    .action(async (opts: { config?: string; url?: string; json?: boolean }) => {
      const t = await api<Topology>(await apiUrl(opts), '/api/topology');
      if (opts.json) {
        console.log(JSON.stringify(t, null, 2));
        return;
      }
      console.log(
        table(
          ['SERVICE', 'DEPENDS ON', 'DEPENDENTS'],
          t.services.map((s) => [s.name, s.dependsOn.join(', ') || '-', s.dependents.join(', ') || '-']),
        ),
      );
      for (const c of t.cycles) console.log(`cycle: ${c.join(' → ')} (root cause is ambiguous inside it)`);
      if (t.suggestions.length === 0) {
        console.log('\nno suggested dependencies yet');
        return;
      }
      console.log('\nsuggested (add to depends_on if right):');
      console.log(
        table(
          ['SERVICE', 'PROBABLY DEPENDS ON', 'TOGETHER', 'LED BY', 'SCORE'],
          t.suggestions.map((s) => [
            s.service,
            s.dependsOn,
            String(s.together),
            String(s.ledBy),
            String(s.score),
          ]),
        ),
      );
    });
}
