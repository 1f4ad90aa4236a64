import path from 'node:path';
import { ActionError, lastLine, redactArgv, runCommand, withheldHint } from '../../core/index.js';
import { baseVars, renderArgv, usedValues, varsFromValues } from '../template.js';
import type { RemediationAction } from './action.js';

/**
 * Runs a program from an argv array (never a shell string); a non-zero exit fails the step. Elements may use
 * templates (`{{service.name}}`, `{{finding.labels.pod}}`).
 */
export const execAction: RemediationAction = {
  kind: 'exec',
  plan(step, service, _services, pctx) {
    const e = step.exec;
    if (!e) throw new ActionError('exec step without exec');
    const vars = baseVars(service, pctx?.vars);
    // Each argv element is rendered on its own: a value is never split nor seen by a shell.
    const command = redactArgv(renderArgv(e.command, vars));
    return {
      kind: 'exec',
      target: service,
      // The journal is stored and served: it keeps the argv redacted, and the values the templates used, so
      // apply renders the real argv again from the config. Env values: names only, likewise.
      params: { command, vars: usedValues(e.command, vars), cwd: e.cwd ?? null, envKeys: Object.keys(e.env) },
      description: `run ${JSON.stringify(command)}`,
    };
  },
  async apply(plan, ctx) {
    const command = argvOf(plan.params, ctx.step.exec?.command, plan.target);
    const cwd = plan.params['cwd'] as string | null;
    const res = await runCommand(command, {
      cwd: cwd ? path.resolve(ctx.baseDir, cwd) : ctx.baseDir,
      env: ctx.step.exec?.env ?? {},
      inheritEnv: ctx.step.exec?.inherit_env,
      signal: ctx.signal,
    });
    if (res.error) throw new ActionError(res.error);
    if (res.aborted) throw new ActionError('command timed out and was killed');
    if (res.code !== 0) {
      // Names only of what Medic's environment held and the step did not get: why it works by hand.
      const hint = withheldHint({
        argv: command,
        cwd: cwd ? path.resolve(ctx.baseDir, cwd) : ctx.baseDir,
        env: ctx.step.exec?.env,
        inherit: ctx.step.exec?.inherit_env,
      });
      throw new ActionError(`exited ${res.code ?? res.signal}: ${lastLine(res.stderr || res.stdout)}${hint}`);
    }
    return `exited 0: ${lastLine(res.stdout) || 'no output'}`;
  },
};

/** The argv to run: the configured one rendered with the journaled values, checked against the journal. */
function argvOf(
  params: Record<string, unknown>,
  configured: string[] | undefined,
  service: string,
): string[] {
  const journaled = params['command'] as string[];
  const values = params['vars'] as Record<string, string> | undefined;
  // A step journaled before argv were redacted holds the real one.
  if (!values || !configured) return journaled;
  const argv = renderArgv(configured, varsFromValues(values, service));
  if (JSON.stringify(redactArgv(argv)) !== JSON.stringify(journaled))
    throw new ActionError('the configured command is not the one journaled: not run');
  return argv;
}
