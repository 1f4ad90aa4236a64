import { writeFile } from 'node:fs/promises';
import { hostname } from 'node:os';
import path from 'node:path';
import type { Command } from 'commander';
import { discoverServices, renderConfig } from '../../discover/index.js';

interface InitOptions {
  out: string;
  force?: boolean;
  dryRun?: boolean;
  ports?: number[];
}

function portList(value: string): number[] {
  const ports = value.split(',').map((p) => Number(p.trim()));
  const bad = ports.find((p) => !Number.isInteger(p) || p < 1 || p > 65535);
  if (bad !== undefined) throw new Error(`--ports: "${value}" is not a comma-separated list of TCP ports`);
  return ports;
}

export function registerInit(program: Command): void {
  program
    .command('init')
    .description('look at what listens on this host and write a commented medic.yaml with a check for each')
    .option('-o, --out <file>', 'where to write it', 'medic.yaml')
    .option('--force', 'overwrite the file if it exists')
    .option('--dry-run', 'print the config instead of writing it')
    .option('--ports <list>', 'only these ports (comma-separated)', portList)
    .action(async (opts: InitOptions) => {
      const services = await discoverServices(opts.ports ? { ports: opts.ports } : {});
      const text = renderConfig(services, { host: hostname(), at: new Date() });
      const summary = services.map(
        (s) => `  ${s.name}: ${s.endpoints.map((e) => `${e.kind} :${e.port}`).join(', ')}`,
      );
      if (opts.dryRun) {
        process.stdout.write(text);
        console.error(`${services.length} service(s) found (dry run: nothing written)`);
        return;
      }
      const file = path.resolve(opts.out);
      try {
        // 'wx' fails when the file exists: the check and the write are one step, so nothing is overwritten.
        await writeFile(file, text, { flag: opts.force ? 'w' : 'wx' });
      } catch (err) {
        if ((err as NodeJS.ErrnoException).code === 'EEXIST')
          throw new Error(`${opts.out} exists: not overwritten (--force to replace it, --dry-run to print)`);
        throw err;
      }
      console.log(`${opts.out}: ${services.length} service(s) found`);
      for (const line of summary) console.log(line);
      console.log(`next: medic config validate ${opts.out}`);
    });
}
