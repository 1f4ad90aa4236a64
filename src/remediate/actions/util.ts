import path from 'node:path';
import { ActionError, type CommandResult, lastLine, redactArgv, runCommand } from '../../core/index.js';
import type { PlanContext } from './action.js';

/** A path from a step: relative ones start at the config file's directory. */
export function resolvePath(p: string, pctx: PlanContext | undefined): string {
  return path.isAbsolute(p) ? p : path.resolve(pctx?.baseDir ?? '.', p);
}

/**
 * Checks a name (unit, container, pod, process) after templates are rendered: it goes into an argv or a
 * URL path, so it may not start with "-" (an option) nor hold "/", whitespace or control characters.
 */
export function checkName(
  what: string,
  value: string,
  pattern = /^[A-Za-z0-9_.@:][A-Za-z0-9_.@:\\-]*$/,
): string {
  if (!pattern.test(value) || value.length > 253)
    throw new ActionError(`invalid ${what} ${JSON.stringify(value)}`);
  return value;
}

/** Runs argv and turns anything but exit 0 into an ActionError. */
export async function runChecked(argv: string[], signal: AbortSignal, cwd?: string): Promise<CommandResult> {
  const res = await runCommand(argv, { signal, cwd });
  if (res.error) throw new ActionError(res.error);
  if (res.aborted) throw new ActionError(`${argv[0]} timed out and was killed`);
  if (res.code !== 0)
    throw new ActionError(
      // Errors are journaled and served: the argv may carry a password.
      `${redactArgv(argv).join(' ')} exited ${res.code ?? res.signal}: ${lastLine(res.stderr || res.stdout)}`,
    );
  return res;
}

/** Settles with the promise, or rejects as soon as the signal aborts (for clients that take no signal). */
export function abortable<T>(p: Promise<T>, signal: AbortSignal): Promise<T> {
  if (signal.aborted) return Promise.reject(new ActionError('aborted'));
  return new Promise<T>((resolve, reject) => {
    const onAbort = () => reject(new ActionError('aborted'));
    signal.addEventListener('abort', onAbort, { once: true });
    p.then(resolve, reject).finally(() => signal.removeEventListener('abort', onAbort));
  });
}
