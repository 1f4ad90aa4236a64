import { type ChildProcess, spawn } from 'node:child_process';
import { readFile, readlink } from 'node:fs/promises';
import { type Fault, signal } from './fault.js';

/** The stray copy per target pid, for undo. */
const strays = new Map<number, ChildProcess>();

/** How long the copy keeps retrying a busy port (the demo service's LISTEN_RETRY_MS). */
const RETRY_MS = 20_000;

/** Resolves when `child` writes a line matching `re` on stdout; rejects after `ms`, or if it exits first. */
function line(child: ChildProcess, re: RegExp, ms: number, what: string): Promise<void> {
  return new Promise((resolve, reject) => {
    let buf = '';
    const done = (err?: Error) => {
      clearTimeout(timer);
      child.stdout?.off('data', onData);
      child.off('exit', onExit);
      if (err) reject(err);
      else resolve();
    };
    const onData = (c: Buffer) => {
      buf += c.toString();
      if (re.test(buf)) done();
    };
    const onExit = (code: number | null) => done(new Error(`the stray copy exited (${code}) before ${what}`));
    const timer = setTimeout(() => done(new Error(`the stray copy did not report ${what} in ${ms} ms`)), ms);
    child.stdout?.on('data', onData);
    child.once('exit', onExit);
  });
}

/**
 * A second copy of the service, left behind by a botched deploy or started by hand, takes the port while the
 * supervised one is down. The copy runs the same command in the same directory with the same environment
 * (read from /proc), so it is the service's own program: Medic's restart (with `run.ports`) stops the stray
 * and starts its own. The copy is started first and waits, retrying the busy port (the demo service's
 * LISTEN_RETRY_MS), so that it wins the port the moment the service is killed.
 */
export const portConflictFault: Fault = {
  name: 'port-conflict',
  description: 'a stray copy of the service takes its port as the service dies (SIGKILL)',
  program: 'demo-service',
  // The supervised process died; the stray holding the port is what the restart (run.ports) must handle.
  expectCause: ['process_crashed'],
  async inject(t) {
    const argv = (await readFile(`/proc/${t.pid}/cmdline`, 'utf8')).split('\0').filter(Boolean);
    const environ = (await readFile(`/proc/${t.pid}/environ`, 'utf8')).split('\0').filter(Boolean);
    const cwd = await readlink(`/proc/${t.pid}/cwd`);
    const env = Object.fromEntries(
      environ.map((kv) => [kv.slice(0, kv.indexOf('=')), kv.slice(kv.indexOf('=') + 1)]),
    );
    const [program, ...args] = argv;
    if (!program) throw new Error(`port-conflict: cannot read the command of pid ${t.pid}`);
    const child = spawn(program, args, {
      cwd,
      env: { ...env, LISTEN_RETRY_MS: String(RETRY_MS) },
      stdio: ['ignore', 'pipe', 'ignore'],
      detached: true,
    });
    strays.set(t.pid, child);
    try {
      await line(child, /busy: retrying/, 10_000, 'that it waits for the port');
      signal(t.pid, 'SIGKILL');
      await line(child, /listening on/, 5_000, 'that it listens');
    } finally {
      child.stdout?.resume(); // keep draining: a full pipe would block the copy
    }
  },
  async undo(t) {
    const child = strays.get(t.pid);
    strays.delete(t.pid);
    if (child?.pid && child.exitCode === null && child.signalCode === null) signal(child.pid, 'SIGKILL');
  },
};
