import type { Command } from 'commander';
import { checkName, configJsonSchema, loadConfig } from '../../config/index.js';

export function registerConfig(program: Command): void {
  const cmd = program.command('config').description('validate medic.yaml or print its JSON Schema');
  cmd
    .command('validate <file>')
    .description('check a config file; errors name file, line and field')
    .action(async (file: string) => {
      const { config } = await loadConfig(file);
      const services = Object.entries(config.services);
      const checks = services.reduce((n, [, s]) => n + s.checks.length, 0);
      console.log(
        `${file}: valid (${services.length} services, ${checks} checks, ${Object.keys(config.playbooks).length} playbooks)`,
      );
      for (const [name, s] of services) {
        console.log(
          `  ${name}: ${s.checks.map((c, i) => checkName(c, i)).join(', ') || 'no checks'}${s.run ? ' (supervised)' : ''}`,
        );
      }
    });
  cmd
    .command('schema')
    .description('print the JSON Schema of medic.yaml (for editors)')
    .action(() => {
      console.log(JSON.stringify(configJsonSchema(), null, 2));
    });
}
