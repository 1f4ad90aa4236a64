import type { Logger } from 'pino';
import type { LoadedConfig, MedicConfig } from '../config/index.js';
import type { Bus, Clock, Signal } from '../core/index.js';
import { errorMessage } from '../core/index.js';
import { type HealthModel, type Observation, PROCESS_CHECK } from '../detect/index.js';
import { readStat, type Supervisor } from '../sources/index.js';
import { ProcessWatch } from './process-watch.js';

/** What the supervision path needs of the daemon. */
export interface SupervisionDeps {
  bus: Bus;
  clock: Clock;
  logger: Logger;
  health: HealthModel;
  supervisor: Supervisor;
  config(): LoadedConfig;
  /** The keeper's cue: a supervised process (`pid`, when it ran) exited unexpectedly or could not start. */
  onExit(service: string, pid?: number): void;
  /** Runs work in the service's lane (its events in order). */
  inLane(service: string, work: () => Promise<void>): Promise<void>;
  /** Turns a judged observation into findings, incidents and heals (in the lane). */
  handle(service: string, obs: Pick<Observation, 'finding' | 'change'> | null, at: number): Promise<void>;
}

/**
 * The supervised processes as evidence: starts (a new process starts from no evidence), exits (down at once,
 * with the dead process's last stderr lines, and the keeper's cue), a stopped process (SIGSTOP: down, though
 * it never exited), and the start of every supervised service with the daemon.
 */
export class Supervision {
  private readonly watch: ProcessWatch;
  private off: (() => void) | null = null;
  private runs: { config: object; names: string[] } | null = null;

  constructor(private readonly d: SupervisionDeps) {
    this.watch = new ProcessWatch({
      clock: d.clock,
      supervised: () => this.supervised().map((service) => ({ service, pid: d.supervisor.pid(service) })),
      state: async (pid) => (await readStat(pid))?.state ?? null,
      onStopped: (service, pid) => this.onStopped(service, pid),
      onResumed: (service) => this.onResumed(service),
    });
  }

  /** The supervised services, found once per config: the watch asks every second, a config may hold 10,000. */
  private supervised(): string[] {
    const config = this.d.config().config;
    if (this.runs?.config !== config) {
      const names = Object.entries(config.services)
        .filter(([, s]) => s.run)
        .map(([service]) => service);
      this.runs = { config, names };
    }
    return this.runs.names;
  }

  start(): void {
    this.off = this.d.bus.on('signal', (s) => this.onSignal(s));
    this.watch.start();
  }

  stop(): void {
    this.off?.();
    this.off = null;
    this.watch.stop();
  }

  /** Starts every supervised service not running yet; one that cannot start is down (and kept trying). */
  async startAll(config: MedicConfig): Promise<void> {
    for (const [name, s] of Object.entries(config.services)) {
      if (!s.run || this.d.supervisor.running(name)) continue;
      try {
        await this.d.supervisor.start(name, s.run);
      } catch (err) {
        this.d.logger.error({ service: name, err: errorMessage(err) }, 'cannot start supervised service');
        this.d.onExit(name);
        const at = this.d.clock.now();
        void this.d.inLane(name, () =>
          this.d.handle(
            name,
            this.d.health.force(
              name,
              PROCESS_CHECK,
              'down',
              at,
              `${name} cannot start: ${errorMessage(err)}`,
              {},
            ),
            at,
          ),
        );
      }
    }
  }

  /** Starts the service, or stops and starts it: what the restart action does. */
  async restart(service: string): Promise<number> {
    const run = this.d.config().config.services[service]?.run;
    if (!run) throw new Error(`${service} is not supervised`);
    if (!this.d.supervisor.running(service)) return this.d.supervisor.start(service, run);
    return this.d.supervisor.restart(service);
  }

  private onSignal(s: Signal): void {
    const { health } = this.d;
    if (s.kind === 'start') {
      void this.d.inLane(s.service, async () => {
        // Results about the process that was replaced say nothing about the new one.
        health.reset(s.service, PROCESS_CHECK);
        await this.d.handle(
          s.service,
          health.force(s.service, PROCESS_CHECK, 'up', s.at, 'started', { pid: s.pid }),
          s.at,
        );
      });
    } else if (s.kind === 'exit') {
      void this.d.inLane(s.service, async () => {
        if (s.expected) {
          health.reset(s.service, '');
          return;
        }
        // Supervision first: whatever the incident's rails decide, the process is started again (keeper.ts).
        this.d.onExit(s.service, s.pid);
        const how = s.signal ? `killed by ${s.signal}` : `exited with code ${s.code}`;
        const lastLogs = this.d.supervisor.lastLines(s.service, s.pid, 20);
        const evidence = { pid: s.pid, code: s.code, signal: s.signal, lastLogs };
        await this.d.handle(
          s.service,
          health.force(
            s.service,
            PROCESS_CHECK,
            'down',
            s.at,
            `${s.service} ${how}${lastWords(lastLogs)}`,
            evidence,
          ),
          s.at,
        );
      });
    }
  }

  /** A supervised process is stopped (SIGSTOP): it is down, though it never exited. */
  private onStopped(service: string, pid: number): void {
    void this.d.inLane(service, async () => {
      if (this.d.supervisor.pid(service) !== pid) return;
      const at = this.d.clock.now();
      await this.d.handle(
        service,
        this.d.health.force(
          service,
          PROCESS_CHECK,
          'down',
          at,
          `${service} is stopped: its process ${pid} is in state T (stopped) and does nothing until resumed`,
          { pid, processState: 'T' },
        ),
        at,
      );
    });
  }

  /** A process seen stopped runs again (or was replaced): its process check is up if it runs. */
  private onResumed(service: string): void {
    void this.d.inLane(service, async () => {
      const pid = this.d.supervisor.pid(service);
      const current = this.d.health.checks(service).find((c) => c.name === PROCESS_CHECK)?.state;
      if (pid === null || current !== 'down') return;
      const at = this.d.clock.now();
      await this.d.handle(
        service,
        this.d.health.force(service, PROCESS_CHECK, 'up', at, 'running again', { pid }),
        at,
      );
    });
  }
}

/** An ANSI escape sequence (CSI: colours, cursor moves). */
// biome-ignore lint/suspicious/noControlCharactersInRegex: the escape character is what it matches
const ANSI = /\x1b\[[0-9;?]*[ -/]*[@-~]/g;

/** Longest stderr line quoted in an exit's message; the whole tail stays in the finding's evidence. */
const LAST_WORDS_MAX = 200;

/**
 * What the process said last on stderr, for the exit's message: a program that refuses to start says why
 * there ("can't run as root without the -u switch"), and the people told should not have to dig for it.
 */
export function lastWords(lines: readonly string[]): string {
  // A terminal's colours and cursor moves are not words (a program may colour its errors even into a pipe).
  const last = lines
    .map((l) => l.replace(ANSI, ''))
    .findLast((l) => l.trim() !== '')
    ?.trim();
  if (!last) return '';
  return `: ${last.length > LAST_WORDS_MAX ? `${last.slice(0, LAST_WORDS_MAX)}…` : last}`;
}
