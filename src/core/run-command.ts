import { spawn } from 'node:child_process';

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
  env?: Record<string, string>;
  signal?: AbortSignal;
  /** Output beyond this many bytes per stream is dropped (the tail is kept). */
  maxOutput?: number;
}

/**
 * Runs a program from an argv array: never through a shell, so no argument is ever interpreted. An abort
 * kills the child with SIGKILL. Never rejects: a program that cannot start reports `error`.
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
    const child = spawn(program, args, {
      cwd: opts.cwd,
      env: { ...process.env, ...opts.env },
      stdio: ['ignore', 'pipe', 'pipe'],
      shell: false,
    });
    const keep = (buf: string, chunk: Buffer) => (buf + chunk.toString('utf8')).slice(-max);
    child.stdout.on('data', (c: Buffer) => {
      stdout = keep(stdout, c);
    });
    child.stderr.on('data', (c: Buffer) => {
      stderr = keep(stderr, c);
    });
    const onAbort = () => {
      aborted = true;
      child.kill('SIGKILL');
    };
    opts.signal?.addEventListener('abort', onAbort, { once: true });
    child.on('error', (err: NodeJS.ErrnoException) => {
      error = err.code === 'ENOENT' ? `cannot run "${program}": not found` : err.message;
    });
    child.on('close', (code, sig) => {
      opts.signal?.removeEventListener('abort', onAbort);
      resolve({ code, signal: sig, stdout, stderr, aborted, error });
    });
  });
}

/** The last non-empty line of some output, shortened: enough to say what a command said. */
export function lastLine(text: string, max = 200): string {
  const lines = text.trim().split('\n');
  const line = lines[lines.length - 1] ?? '';
  return line.length > max ? `${line.slice(0, max)}…` : line;
}
