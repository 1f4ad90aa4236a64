/** Top-level `deps` and the `update_dependency` step: vulnerable dependencies found, and updated with care. */
import { z } from 'zod';
import { argv, duration, name } from './common.js';

export const depsProjectSchema = z.strictObject({
  path: z
    .string()
    .min(1)
    .describe(
      'The project directory (relative to the config file), holding its lockfile (package-lock.json).',
    ),
  service: name.describe(
    'The service the project is: its vulnerable packages open an incident of that service.',
  ),
});

export const advisorySourceSchema = z
  .strictObject({
    path: z
      .string()
      .min(1)
      .optional()
      .describe(
        'Advisories in OSV JSON format, offline: one file (an advisory, a list, or `{ "vulns": [...] }`) or a directory of them (an OSV mirror).',
      ),
    osv_url: z
      .url()
      .optional()
      .describe(
        'An OSV API (`https://api.osv.dev`, or a mirror of it) asked for each locked package version.',
      ),
  })
  .refine((a) => a.path !== undefined || a.osv_url !== undefined, {
    message: 'give path (an OSV file or directory), osv_url, or both',
  });

export const depsSchema = z.strictObject({
  every: duration.default(3_600_000).describe('How often each project is scanned (also once at start-up).'),
  advisories: advisorySourceSchema.optional().describe('Where advisories come from.'),
  projects: z
    .array(depsProjectSchema)
    .default([])
    .describe('The projects scanned, each the dependencies of one service.'),
});

/**
 * `update_dependency` step: sets one package of a project to a fixed version with npm (`npm install
 * <package>@<version> --package-lock-only`), its manifest and lockfile backed up first, then runs the
 * project's tests; a failing test fails the step, and the backup is put back.
 */
export const updateDependencyStep = z.strictObject({
  project: z
    .string()
    .min(1)
    .describe('The project directory, relative to the config file (`{{ finding.labels.project }}`).'),
  package: z.string().min(1).describe('The package (`{{ finding.labels.package }}`).'),
  version: z.string().min(1).describe('The version to set (`{{ finding.labels.fixed }}`).'),
  test: argv
    .optional()
    .describe(
      "The project's tests, as an argv list run in its directory after the update (e.g. `[npm, test]`).",
    ),
  npm: z.string().min(1).default('npm').describe('The npm program (looked up on PATH).'),
});

export type DepsConfig = z.output<typeof depsSchema>;
export type UpdateDependencyStep = z.output<typeof updateDependencyStep>;

/** A scanned project names a known service. */
export function depsCrossIssues(c: {
  deps: DepsConfig;
  services: Record<string, unknown>;
}): { path: (string | number)[]; message: string }[] {
  const out: { path: (string | number)[]; message: string }[] = [];
  c.deps.projects.forEach((p, i) => {
    if (!c.services[p.service])
      out.push({ path: ['deps', 'projects', i, 'service'], message: `unknown service "${p.service}"` });
  });
  if (c.deps.projects.length > 0 && !c.deps.advisories)
    out.push({
      path: ['deps', 'advisories'],
      message: 'projects are listed but no advisory source is given',
    });
  return out;
}
