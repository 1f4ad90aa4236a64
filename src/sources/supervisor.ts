import { type ChildProcess, spawn } from 'node:child_process';
import { statSync } from 'node:fs';
import { resolve } from 'node:path';
import { createInterface } from 'node:readline';
import type { Readable } from 'node:stream';
import type { RunConfig } from '../config/index.js';
import {
  type Bus,
  type Clock,
  childEnv,
  closePipes,
  closeWriteEnds,
  type OsPipe,
  osPipes,
  reportWithheld,
} from '../core/index.js';
import {
  pidfilePath,
  processStartTime,
  reapOrphan,
  removePidfile,
  signalGroup,
  writePidfile,
} from './pidfiles.js';
import { reapGroup, reapStrays, type StartedGroup } from './reap.js';

export interface SupervisorOptions {
  clock: Clock;
  bus: Bus;
  /** Pidfiles go to <dataDir>/pids/. */
  dataDir: string;
  /** A service's relative cwd is resolved against this: the config file's directory. */
  baseDir: string;
  /** Lines of stdout/stderr kept per service for diagnosis. */
  logLines?: number;
  /** Told what a start did besides starting (a stray copy stopped, a port held by another program). */
  log?: (message: string, service: string) => void;
}

/** One line a supervised process wrote, stamped when Medic read it. */
export interface ProcessLine {
  at: number;
  stream: 'stdout' | 'stderr';
  /** The process that wrote it: lines of a run that exited stay beside those of the next one. */
  pid: number;
  line: string;
}

/** One run of a service's process: when it started and, once it has, how it ended. */
export interface ProcessRun {
  pid: number;
  startedAt: number;
  exitedAt: number | null;
  code: number | null;
  signal: string | null;
}

/** Runs remembered per service (evidence of a crash loop, and which run a line or sample belongs to). */
const RUNS_KEPT = 10;
/** How long an exit waits for the pipes to give their last lines (a grandchild may hold them open). */
const DRAIN_MS = 250;

interface Child {
  proc: ChildProcess;
  pid: number;
  run: RunConfig;
  /** True once stop() asked for this exit: it is reported, but never judged a failure. */
  expected: boolean;
  exited: Promise<void>;
}

/** A log line longer than this is cut: one runaway line must not hold megabytes in the ring. */
const MAX_LINE = 8 * 1024;

/**
 * Runs services as child processes and reports what they do on the bus (start, exit, log lines). It never
 * restarts anything by itself: healing is the remediation engine's decision, taken through the guard.
 */
export class Supervisor {
  private readonly children = new Map<string, Child>();
  private readonly starting = new Set<string>();
  private readonly configs = new Map<string, RunConfig>();
  private readonly logs = new Map<string, ProcessLine[]>();
  private readonly runs = new Map<string, ProcessRun[]>();
  private readonly logLines: number;
  private readonly notes = new Map<string, string[]>();
  /** Per service, the process group its last start made (the child leads it: detached), and its start time. */
  private readonly lastGroup = new Map<string, StartedGroup>();

  constructor(private readonly opts: SupervisorOptions) {
    this.logLines = opts.logLines ?? 200;
  }

  /** Starts the service (reaping an orphan a killed Medic left behind first); resolves with its pid. */
  async start(service: string, run: RunConfig): Promise<number> {
    if (this.children.has(service) || this.starting.has(service))
      throw new Error(`${service} is already running`);
    this.starting.add(service);
    try {
      this.configs.set(service, run);
      await this.reapStale(service, run);
      const leftovers = await this.reapGroup(service, run);
      const notes = [...leftovers, ...(await this.reapStrays(service, run))];
      this.notes.set(service, notes);
      // A port another program holds would only make the start die at once: fail it here, naming the holder.
      const held = notes.filter((n) => n.startsWith('port '));
      if (held.length > 0) throw new Error(`cannot start ${service}: ${held.join('; ')}`);
      return await this.spawnChild(service, run);
    } finally {
      this.starting.delete(service);
    }
  }

  /** Stops what is left of the process group the service's last run made (see reap.ts); says what it did. */
  reapGroup(service: string, run: RunConfig): Promise<string[]> {
    const group = this.lastGroup.get(service);
    if (!group || this.children.has(service)) return Promise.resolve([]);
    return reapGroup(this.opts, service, run, group);
  }

  /** Kills a process left by an earlier Medic if it still runs this argv; returns its pid, or null. */
  reapStale(service: string, run: RunConfig): Promise<number | null> {
    return reapOrphan(this.opts.clock, pidfilePath(this.opts.dataDir, service), run.command);
  }

  /**
   * Stops stray copies of the service that hold its ports and names any other holder (see reap.ts): one
   * sentence each, a held port's starting with "port ".
   */
  reapStrays(service: string, run: RunConfig): Promise<string[]> {
    return reapStrays(this.opts, service, run, this.lastGroup.get(service));
  }

  /** What the last start did besides starting (see reapStrays). */
  startNotes(service: string): string[] {
    return [...(this.notes.get(service) ?? [])];
  }

  /** Stops the service: SIGCONT (a stopped process cannot handle SIGTERM), SIGTERM, then SIGKILL after the timeout. */
  async stop(service: string, opts: { timeoutMs?: number } = {}): Promise<void> {
    const child = this.children.get(service);
    if (!child) return;
    child.expected = true;
    signalGroup(child.pid, 'SIGCONT');
    signalGroup(child.pid, 'SIGTERM');
    const { clock } = this.opts;
    const kill = clock.setTimeout(
      () => signalGroup(child.pid, 'SIGKILL'),
      opts.timeoutMs ?? child.run.stop_timeout,
    );
    try {
      await child.exited;
    } finally {
      clock.clearTimeout(kill);
    }
  }

  /** Stops (if running) and starts again with the RunConfig of the last start; resolves with the new pid. */
  async restart(service: string): Promise<number> {
    const run = this.configs.get(service);
    if (!run) throw new Error(`${service} was never started by this supervisor`);
    await this.stop(service);
    return this.start(service, run);
  }

  pid(service: string): number | null {
    return this.children.get(service)?.pid ?? null;
  }

  running(service: string): boolean {
    return this.children.has(service);
  }

  /** The last lines the service wrote, stdout and stderr interleaved as they arrived; kept after it exits. */
  recentLogs(service: string): string[] {
    return (this.logs.get(service) ?? []).map((l) => l.line);
  }

  /** The same lines with their stamps, streams and pids, oldest first. */
  recentLines(service: string): ProcessLine[] {
    return [...(this.logs.get(service) ?? [])];
  }

  /**
   * The last `limit` lines one process wrote to one stream (default stderr), as `systemctl status` shows
   * them: what an exit finding carries as the process's last words.
   */
  lastLines(service: string, pid: number, limit = 20, stream: ProcessLine['stream'] = 'stderr'): string[] {
    return (this.logs.get(service) ?? [])
      .filter((l) => l.pid === pid && l.stream === stream)
      .slice(-limit)
      .map((l) => l.line);
  }

  /** The service's last runs, oldest first (the running one, if any, last with exitedAt null). */
  recentRuns(service: string): ProcessRun[] {
    return (this.runs.get(service) ?? []).map((r) => ({ ...r }));
  }

  async stopAll(): Promise<void> {
    await Promise.all([...this.children.keys()].map((s) => this.stop(s)));
  }

  private async spawnChild(service: string, run: RunConfig): Promise<number> {
    const [program, ...args] = run.command;
    const cwd = resolve(this.opts.baseDir, run.cwd ?? '.');
    if (!statSync(cwd, { throwIfNoEntry: false })?.isDirectory()) {
      throw new Error(`cannot start ${service}: working directory ${cwd} does not exist`);
    }
    const spec = { argv: run.command, cwd, env: run.env, inherit: run.inherit_env };
    reportWithheld(`service ${service}`, spec, (m) => this.opts.log?.(m, service));
    const pipes = await this.outputPipes(service);
    // detached: the service leads its own process group, so stop() reaches the children it forks too.
    // Only allow-listed variables of Medic's environment go to the service (its own hold Medic's secrets).
    let proc: ChildProcess;
    try {
      // Inside the try: spawn also throws synchronously (a NUL byte in an argument, EMFILE), and the pipes
      // must be closed then too.
      proc = spawn(program ?? '', args, {
        cwd,
        env: childEnv(run.env, run.inherit_env),
        stdio: pipes ? ['ignore', pipes[0]!.writeFd, pipes[1]!.writeFd] : ['ignore', 'pipe', 'pipe'],
        detached: true,
      });
      await new Promise<void>((ok, fail) => {
        proc.once('spawn', ok);
        proc.once('error', (err: NodeJS.ErrnoException) => {
          const why = err.code === 'ENOENT' ? 'command not found' : err.message;
          fail(new Error(`cannot start ${service}: ${program}: ${why}`, { cause: err }));
        });
      });
    } catch (err) {
      if (pipes) closePipes(pipes);
      throw err;
    }
    if (pipes) closeWriteEnds(pipes);
    const output = {
      stdout: pipes ? pipes[0]!.readable : proc.stdout,
      stderr: pipes ? pipes[1]!.readable : proc.stderr,
    };
    proc.on('error', () => {}); // Later errors (a failed kill) must not crash Medic; the exit reports the rest.
    const pid = proc.pid as number;
    let exited = () => {};
    const child: Child = { proc, pid, run, expected: false, exited: new Promise((r) => (exited = r)) };
    this.children.set(service, child);
    this.lastGroup.set(service, { pgid: pid, startTime: processStartTime(pid) });
    const path = pidfilePath(this.opts.dataDir, service);
    writePidfile(path, { pid, argv: run.command });

    const record: ProcessRun = {
      pid,
      startedAt: this.opts.clock.now(),
      exitedAt: null,
      code: null,
      signal: null,
    };
    const runs = this.runs.get(service) ?? [];
    this.runs.set(service, runs);
    runs.push(record);
    if (runs.length > RUNS_KEPT) runs.splice(0, runs.length - RUNS_KEPT);
    const read = { lines: 0 };
    const drained = [
      this.readLines(service, pid, output.stdout, 'stdout', read),
      this.readLines(service, pid, output.stderr, 'stderr', read),
    ];
    // 'exit', not 'close': a grandchild holding the pipes must not delay the news that the service died by
    // more than DRAIN_MS. Within it, the last lines still in the pipes are read, so the exit's evidence has them.
    proc.once('exit', async (code, signal) => {
      if (this.children.get(service) === child) this.children.delete(service);
      // The leader died on its own: the rest of its group goes with it (it is the service), as a container's
      // processes end with the container. What does not stop is killed before the next start (reapGroup).
      if (!child.expected) {
        signalGroup(pid, 'SIGCONT');
        signalGroup(pid, 'SIGTERM');
      }
      removePidfile(path, pid);
      const at = this.opts.clock.now();
      Object.assign(record, { exitedAt: at, code, signal });
      await drainWithin(drained, read, DRAIN_MS);
      this.opts.bus.emit('signal', {
        kind: 'exit',
        service,
        at,
        pid,
        code,
        signal,
        expected: child.expected,
      });
      exited();
    });
    this.opts.bus.emit('signal', { kind: 'start', service, at: this.opts.clock.now(), pid });
    return pid;
  }

  /**
   * Real pipes for the service's stdout and stderr (see osPipes): a server set up to log to /dev/stderr
   * cannot open a socket there. Without mkfifo(1), Node's socketpairs, and a note saying so.
   */
  private async outputPipes(service: string): Promise<OsPipe[] | null> {
    try {
      return await osPipes(2);
    } catch (err) {
      this.opts.log?.(
        `no real pipes for ${service}'s output (${(err as Error).message}): it gets sockets, and cannot open /dev/stderr`,
        service,
      );
      return null;
    }
  }

  /** Reads the stream's lines into the ring and onto the bus; resolves when the stream has closed. */
  private readLines(
    service: string,
    pid: number,
    input: Readable | null,
    stream: 'stdout' | 'stderr',
    read: { lines: number },
  ): Promise<void> {
    if (!input) return Promise.resolve();
    const lines = createInterface({ input, crlfDelay: Number.POSITIVE_INFINITY });
    lines.on('line', (raw) => {
      const line = raw.length > MAX_LINE ? raw.slice(0, MAX_LINE) : raw;
      const at = this.opts.clock.now();
      read.lines++;
      const ring = this.logs.get(service) ?? [];
      this.logs.set(service, ring);
      ring.push({ at, stream, pid, line });
      if (ring.length > this.logLines) ring.splice(0, ring.length - this.logLines);
      this.opts.bus.emit('signal', { kind: 'log', service, at, stream, line });
    });
    return new Promise((resolve) => lines.once('close', () => resolve()));
  }
}

/**
 * Waits for the streams to close while lines keep coming, at most `idleMs` of real time without one (the
 * pipes are real, whatever the clock) and 10 idle periods in all: a grandchild that keeps them open must not
 * hold the exit back, and a loaded machine that reads the last lines late must not lose them.
 */
async function drainWithin(streams: Promise<void>[], read: { lines: number }, idleMs: number): Promise<void> {
  let closed = false;
  const all = Promise.all(streams).then(() => {
    closed = true;
  });
  for (let i = 0; i < 10 && !closed; i++) {
    const before = read.lines;
    let timer: NodeJS.Timeout | undefined;
    await Promise.race([all, new Promise<void>((resolve) => (timer = setTimeout(resolve, idleMs)))]);
    clearTimeout(timer);
    // A stalled event loop runs timers before it reads: give the pipes one turn before judging them idle.
    await new Promise((resolve) => setImmediate(resolve));
    if (!closed && read.lines === before) return;
  }
}
