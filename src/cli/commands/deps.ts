import path from 'node:path';
import type { Command } from 'commander';
import { loadConfig } from '../../config/index.js';
import { advisorySource, type ScanResult, scanProject } from '../../sources/index.js';
import { table } from '../table.js';

interface ScanOpts {
  config?: string;
  advisories?: string;
  osvUrl?: string;
  json?: boolean;
}

/**
 * `medic deps scan [dir...]`: the projects' lockfiles matched against OSV advisories, each vulnerable package
 * with its fixed version. Projects and the advisory source come from the config's `deps` section, or from
 * the arguments and `--advisories` / `--osv-url` (which override the config's source). Exits 1 when one is
 * vulnerable, so a CI step can gate on it.
 */
export function registerDeps(program: Command): void {
  const deps = program.command('deps').description('vulnerable dependencies');
  deps
    .command('scan [dirs...]')
    .description("list the vulnerable packages of the projects' lockfiles, with the version that fixes each")
    .option('--config <file>', 'medic.yaml (its deps section: projects and advisory source)')
    .option('--advisories <path>', 'an OSV JSON file or a directory of them')
    .option('--osv-url <url>', 'an OSV API, e.g. https://api.osv.dev')
    .option('--json', 'print JSON')
    .action(async (dirs: string[], opts: ScanOpts) => {
      const loaded = opts.config ? await loadConfig(opts.config) : null;
      const baseDir = loaded?.baseDir ?? process.cwd();
      const given = opts.advisories || opts.osvUrl;
      const cfg = given
        ? { path: opts.advisories ? path.resolve(opts.advisories) : undefined, osv_url: opts.osvUrl }
        : loaded?.config.deps.advisories;
      if (!cfg)
        throw new Error(
          'no advisory source: give --advisories <path> or --osv-url <url>, or --config with deps.advisories',
        );
      const projects =
        dirs.length > 0
          ? dirs.map((d) => path.resolve(d))
          : (loaded?.config.deps.projects ?? []).map((p) => path.resolve(baseDir, p.path));
      if (projects.length === 0)
        throw new Error('no project: name a directory, or list deps.projects in --config');
      const source = advisorySource(cfg, baseDir);
      const results: ScanResult[] = [];
      for (const p of projects) results.push(await scanProject(p, source));
      const found = results.flatMap((r) => r.vulnerabilities.map((v) => ({ project: r.project, ...v })));
      if (opts.json) console.log(JSON.stringify({ projects: results }, null, 2));
      else {
        for (const r of results)
          console.log(`${r.project}: ${r.packages} locked packages, ${r.vulnerabilities.length} vulnerable`);
        if (found.length > 0)
          console.log(
            table(
              ['PACKAGE', 'VERSION', 'FIXED IN', 'SEVERITY', 'ADVISORY', 'DIRECT', 'SUMMARY'],
              found.map((v) => [
                v.package,
                v.version,
                v.fixed ?? 'none yet',
                v.severity,
                v.advisory,
                v.direct ? 'yes' : 'no',
                v.summary,
              ]),
            ),
          );
      }
      if (found.length > 0) process.exitCode = 1;
    });
}
