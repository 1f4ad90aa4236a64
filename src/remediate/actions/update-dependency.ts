import fs from 'node:fs/promises';
import path from 'node:path';
import { updateDependencyStep } from '../../config/index.js';
import { ActionError, lastLine, runCommand } from '../../core/index.js';
import { renderStepPath } from '../safe-path.js';
import { baseVars, renderString } from '../template.js';
import type { RemediationAction } from './action.js';
import { restoreFiles } from './file.js';
import { type ExtendedStep, parseStep } from './steps.js';

/** npm's package names (scoped or not): nothing a command line could take for an option. */
const PACKAGE = /^(?:@[a-z0-9][a-z0-9._~-]*\/)?[a-z0-9][a-z0-9._~-]*$/;
const VERSION = /^\d+\.\d+\.\d+(?:-[0-9A-Za-z.-]+)?(?:\+[0-9A-Za-z.-]+)?$/;
const SECTIONS = ['dependencies', 'devDependencies', 'optionalDependencies'] as const;
const SAVE_FLAG = {
  dependencies: '--save-prod',
  devDependencies: '--save-dev',
  optionalDependencies: '--save-optional',
};

async function readJson(file: string): Promise<Record<string, unknown>> {
  try {
    return JSON.parse(await fs.readFile(file, 'utf8')) as Record<string, unknown>;
  } catch (err) {
    throw new ActionError(`cannot read ${file}: ${(err as Error).message}`);
  }
}

/** The version the lockfile now holds for a top-level package. */
async function lockedVersion(project: string, name: string): Promise<string | null> {
  const lock = await readJson(path.join(project, 'package-lock.json'));
  const packages = lock['packages'] as Record<string, { version?: string }> | undefined;
  const deps = lock['dependencies'] as Record<string, { version?: string }> | undefined;
  return packages?.[`node_modules/${name}`]?.version ?? deps?.[name]?.version ?? null;
}

/**
 * Sets one direct dependency of an npm project to a fixed version: `npm install <pkg>@<version>
 * --package-lock-only --ignore-scripts` (the manifest and lockfile change, nothing is run from the package),
 * pinned exactly when the manifest pinned it, then the project's `test` command in its directory. The
 * engine backs up package.json and package-lock.json first; a failing test fails the step, and the rollback
 * puts both back byte for byte.
 */
export const updateDependencyAction: RemediationAction<ExtendedStep> = {
  kind: 'update-dependency',
  plan(step, service, _services, pctx) {
    const s = parseStep(updateDependencyStep, step.update_dependency, 'update_dependency');
    const vars = baseVars(service, pctx?.vars);
    const project = renderStepPath(s.project, vars, pctx?.baseDir ?? '.', pctx?.files);
    const name = renderString(s.package, vars);
    const version = renderString(s.version, vars).replace(/^v/, '');
    if (!PACKAGE.test(name))
      throw new ActionError(`refused: ${JSON.stringify(name)} is not an npm package name`);
    if (!VERSION.test(version)) throw new ActionError(`refused: ${JSON.stringify(version)} is not a version`);
    const files = [path.join(project, 'package.json'), path.join(project, 'package-lock.json')];
    return {
      kind: 'update-dependency',
      target: service,
      params: { project, package: name, version, test: s.test ?? null, npm: s.npm, backupFiles: files },
      description: `update ${name} to ${version} in ${project}${s.test ? `, then run ${JSON.stringify(s.test)}` : ''}`,
      backup: { files },
    };
  },
  async apply(plan, ctx) {
    const p = plan.params as {
      project: string;
      package: string;
      version: string;
      test: string[] | null;
      npm: string;
    };
    const manifest = await readJson(path.join(p.project, 'package.json'));
    const section = SECTIONS.find((s) => Object.hasOwn((manifest[s] as object | undefined) ?? {}, p.package));
    if (!section)
      throw new ActionError(
        `${p.package} is not a direct dependency of ${p.project}: update the package that requires it, or add an npm override`,
      );
    const spec = String((manifest[section] as Record<string, unknown>)[p.package]);
    const before = await lockedVersion(p.project, p.package);
    if (before === p.version) return `${p.package} already is ${p.version} in ${p.project}: unchanged`;
    const argv = [
      p.npm,
      'install',
      `${p.package}@${p.version}`,
      '--package-lock-only',
      '--ignore-scripts',
      '--no-audit',
      '--no-fund',
      SAVE_FLAG[section],
      // A pinned version stays pinned; a range keeps npm's default (^).
      ...(VERSION.test(spec) ? ['--save-exact'] : []),
    ];
    const npm = await runCommand(argv, { cwd: p.project, signal: ctx.signal });
    if (npm.error) throw new ActionError(`${p.npm}: ${npm.error}`);
    if (npm.aborted) throw new ActionError('npm install timed out and was killed');
    if (npm.code !== 0)
      throw new ActionError(
        `npm install exited ${npm.code ?? npm.signal}: ${lastLine(npm.stderr || npm.stdout)}`,
      );
    const after = await lockedVersion(p.project, p.package);
    if (after !== p.version)
      throw new ActionError(
        `after npm install the lockfile holds ${p.package} ${after ?? 'nowhere'}, not ${p.version}`,
      );
    if (!p.test) return `updated ${p.package} from ${before} to ${p.version} (no test command)`;
    const t = await runCommand(p.test, { cwd: p.project, signal: ctx.signal });
    if (t.error) throw new ActionError(`the test command could not start: ${t.error}`);
    if (t.aborted) throw new ActionError('the tests timed out and were killed');
    if (t.code !== 0)
      throw new ActionError(
        `the tests failed after updating ${p.package} to ${p.version} (exit ${t.code ?? t.signal}): ${lastLine(t.stderr || t.stdout)}`,
      );
    return `updated ${p.package} from ${before} to ${p.version}; tests passed: ${lastLine(t.stdout) || 'no output'}`;
  },
  rollback(_plan, ctx, backup) {
    return restoreFiles(ctx, backup);
  },
};
