import { spawn } from 'node:child_process';
import { childEnv } from './child-env.js';

export interface CommandResult {
  code: number | null;
  signal: string | null;
  stdout: string;
  stderr: string;
  /** True when the signal aborted the command (it was killed). */
  aborted: boolean;
  error: string | null;
}

export interface RunCommandOptions {
  cwd?: string;
  /** Given on top of the allow-listed part of Medic's environment (see childEnv). */
  env?: Record<string, string>;
  /** Names (or `PREFIX_*`) of Medic's environment given too: the config's `inherit_env`. */
  inheritEnv?: readonly string[];
  signal?: AbortSignal;
  /** Output beyond this many bytes per stream is dropped (the tail is kept). */
  maxOutput?: number;
}

/** How long output may keep arriving after the program exited (from children it left running). */
const DRAIN_MS = 100;

/**
 * Runs a program from an argv array: never through a shell, so no argument is ever interpreted. The program
 * leads its own process group: an abort kills the group with SIGKILL, so what it started dies with it. It
 * resolves when the program exits, not when its output pipes close: a restart script that leaves a daemon
 * running in the background (holding the pipes) must not hang the heal. Never rejects: a program that cannot
 * start reports `error`.
 */
export function runCommand(argv: readonly string[], opts: RunCommandOptions = {}): Promise<CommandResult> {
  const max = opts.maxOutput ?? 64 * 1024;
  return new Promise((resolve) => {
    const [program, ...args] = argv;
    if (!program) {
      resolve({ code: null, signal: null, stdout: '', stderr: '', aborted: false, error: 'empty command' });
      return;
    }
    if (opts.signal?.aborted) {
      resolve({ code: null, signal: null, stdout: '', stderr: '', aborted: true, error: null });
      return;
    }
    let stdout = '';
    let stderr = '';
    let aborted = false;
    let error: string | null = null;
    let settled = false;
    const child = spawn(program, args, {
      cwd: opts.cwd,
      env: childEnv(opts.env, opts.inheritEnv),
      stdio: ['ignore', 'pipe', 'pipe'],
      shell: false,
      detached: true,
    });
    const keep = (buf: string, chunk: Buffer) => (buf + chunk.toString('utf8')).slice(-max);
    child.stdout.on('data', (c: Buffer) => {
      stdout = keep(stdout, c);
    });
    child.stderr.on('data', (c: Buffer) => {
      stderr = keep(stderr, c);
    });
    const killGroup = () => {
      try {
        if (child.pid) process.kill(-child.pid, 'SIGKILL');
      } catch {
        child.kill('SIGKILL');
      }
    };
    const onAbort = () => {
      aborted = true;
      killGroup();
    };
    opts.signal?.addEventListener('abort', onAbort, { once: true });
    const finish = (code: number | null, sig: string | null) => {
      if (settled) return;
      settled = true;
      opts.signal?.removeEventListener('abort', onAbort);
      // Stop reading pipes a background child may hold open; what it writes later is not this command's.
      child.stdout.destroy();
      child.stderr.destroy();
      resolve({ code, signal: sig, stdout, stderr, aborted, error });
    };
    child.on('error', (err: NodeJS.ErrnoException) => {
      error = err.code === 'ENOENT' ? `cannot run "${program}": not found` : err.message;
      finish(null, null);
    });
    child.on('exit', (code, sig) => {
      // Give the pipes a moment to deliver what the program wrote just before it exited.
      setTimeout(() => finish(code, sig), DRAIN_MS);
    });
    child.on('close', (code, sig) => finish(code, sig));
  });
}

/** The last non-empty line of some output, shortened: enough to say what a command said. */
export function lastLine(text: string, max = 200): string {
  const lines = text.trim().split('\n');
  const line = lines[lines.length - 1] ?? '';
  return line.length > max ? `${line.slice(0, max)}…` : line;
}
