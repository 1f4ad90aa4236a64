import { spawn } from 'node:child_process';
import { resolve } from 'node:path';
import type { CheckConfig } from '../../config/index.js';
import { childEnv, type ProbeResult, withheldHint } from '../../core/index.js';
import { compileRegex, startTimer, timedOut } from './common.js';
import type { Probe, ProbeContext } from './probe.js';

/** Output kept per stream: enough to match and quote, bounded so a chatty command cannot eat memory. */
const MAX_OUTPUT = 64 * 1024;
const MAX_LINE = 200;

function lastLine(text: string): string {
  const lines = text.split('\n').map((l) => l.trimEnd());
  const line = lines.reverse().find((l) => l.length > 0) ?? '';
  return line.length > MAX_LINE ? `${line.slice(0, MAX_LINE - 1)}…` : line;
}

/** Kills the child's whole process group (it was spawned as a group leader), so `sh -c` grandchildren go too. */
function killGroup(pid: number | undefined): void {
  if (pid === undefined) return;
  try {
    process.kill(-pid, 'SIGKILL');
  } catch {
    try {
      process.kill(pid, 'SIGKILL');
    } catch {
      // Already gone.
    }
  }
}

export const commandProbe: Probe = {
  kind: 'command',
  run(check: CheckConfig, ctx: ProbeContext): Promise<ProbeResult> {
    const cmd = check.command;
    if (!cmd) return Promise.resolve({ ok: false, latencyMs: 0, message: 'not a command check' });
    if (ctx.signal.aborted) return Promise.resolve(timedOut(check, 0));
    const outputRe = compileRegex(cmd.output);
    if (outputRe && 'error' in outputRe)
      return Promise.resolve({ ok: false, latencyMs: 0, message: outputRe.error });
    const elapsed = startTimer();
    const [program, ...args] = cmd.command;

    return new Promise((done) => {
      let stdout = '';
      let stderr = '';
      let combined = '';
      let settled = false;
      const append = (prev: string, chunk: Buffer) => (prev + chunk.toString('utf8')).slice(-MAX_OUTPUT);

      // argv, never a shell; detached makes it a process-group leader so a timeout can kill its children too.
      const child = spawn(program ?? '', args, {
        cwd: resolve(ctx.baseDir, cmd.cwd ?? '.'),
        env: childEnv(cmd.env, cmd.inherit_env),
        stdio: ['ignore', 'pipe', 'pipe'],
        detached: true,
      });
      const finish = (r: ProbeResult) => {
        if (settled) return;
        settled = true;
        ctx.signal.removeEventListener('abort', onAbort);
        done(r);
      };
      const onAbort = () => {
        killGroup(child.pid);
        // Do not wait for 'close': a grandchild may hold the pipes open. Answer now.
        child.stdout?.destroy();
        child.stderr?.destroy();
        finish(timedOut(check, elapsed(), { command: cmd.command, stdout: lastLine(stdout) }));
      };
      ctx.signal.addEventListener('abort', onAbort, { once: true });

      child.stdout?.on('data', (c: Buffer) => {
        stdout = append(stdout, c);
        combined = append(combined, c);
      });
      child.stderr?.on('data', (c: Buffer) => {
        stderr = append(stderr, c);
        combined = append(combined, c);
      });
      child.once('error', (err: NodeJS.ErrnoException) => {
        const why = err.code === 'ENOENT' ? 'not found (or cwd missing)' : err.message;
        finish({
          ok: false,
          latencyMs: elapsed(),
          message: `cannot run ${program}: ${why}`,
          details: { code: err.code },
        });
      });
      child.once('close', (code, signal) => {
        const latencyMs = elapsed();
        const line = lastLine(combined);
        const details = {
          command: cmd.command,
          exitCode: code,
          signal,
          stdout: stdout.slice(-4096),
          stderr: stderr.slice(-4096),
        };
        const status = code === null ? `killed by ${signal}` : `exit ${code}`;
        const tail = line ? `: ${line}` : '';
        if (code !== cmd.exit_code) {
          // What it was not given of Medic's environment (names only): why a check that works by hand fails here.
          const spec = {
            argv: cmd.command,
            cwd: resolve(ctx.baseDir, cmd.cwd ?? '.'),
            env: cmd.env,
            inherit: cmd.inherit_env,
          };
          const message = `${status} (expected ${cmd.exit_code})${tail}${withheldHint(spec)}`;
          finish({ ok: false, latencyMs, message, details });
        } else if (outputRe && !outputRe.test(stdout)) {
          finish({
            ok: false,
            latencyMs,
            message: `${status}, output does not match /${cmd.output}/${tail}`,
            details,
          });
        } else {
          finish({ ok: true, latencyMs, message: `${status}${tail}`, details });
        }
      });
    });
  },
};
