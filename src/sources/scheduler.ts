import { isDeepStrictEqual } from 'node:util';
import type { CheckConfig } from '../config/index.js';
import {
  type Clock,
  errorMessage,
  formatDuration,
  type ProbeResult,
  type TimerHandle,
} from '../core/index.js';

export interface ScheduledCheck {
  service: string;
  name: string;
  /** interval and timeout are in milliseconds (already parsed by the config schema). */
  config: CheckConfig;
}

export interface SchedulerOptions {
  clock: Clock;
  run: (c: ScheduledCheck, signal: AbortSignal) => Promise<ProbeResult>;
  onResult: (c: ScheduledCheck, r: ProbeResult, at: number) => void;
  /** Fraction of the interval each run may move by, so checks spread out instead of firing in lockstep. */
  jitter?: number;
  /** Where the first run of a check lands: within the jitter window (default) or anywhere in its interval. */
  spreadFirstRun?: 'jitter' | 'interval';
  random?: () => number;
}

export interface SchedulerStats {
  checks: number;
  /** Runs whose result was handed on since start (a cancelled run's is not). */
  runs: number;
  inFlight: number;
  lagP50Ms: number;
  lagP99Ms: number;
  lastLagMs: number;
}

interface Run {
  promise: Promise<void>;
  controller: AbortController;
  /** Set when stop() or setChecks() drops the run: its result is not an observation, nothing follows it. */
  cancelled: boolean;
}

interface Entry {
  key: string;
  check: ScheduledCheck;
  timer?: TimerHandle;
  /** The run in flight, awaited by runNow rather than started twice. */
  current?: Run;
}

/** A timeout firing this much after its deadline was held up by the event loop, not by the probe. */
export const LATE_DEADLINE_MS = 250;

/** Lag samples kept for the percentiles. */
const LAG_WINDOW = 1024;

const keyOf = (c: { service: string; name: string }) => `${c.service}\u0000${c.name}`;

function percentile(sorted: number[], p: number): number {
  if (sorted.length === 0) return 0;
  return sorted[Math.min(sorted.length - 1, Math.floor(p * sorted.length))] ?? 0;
}

/**
 * Runs every check on its interval, on the injected clock. A check never overlaps itself: the next run is
 * scheduled only once the current one has ended.
 */
export class Scheduler {
  private readonly clock: Clock;
  private readonly jitter: number;
  private readonly random: () => number;
  private entries = new Map<string, Entry>();
  private running = false;
  private lags: number[] = [];
  private lastLag = 0;
  private runs = 0;

  constructor(private readonly opts: SchedulerOptions) {
    this.clock = opts.clock;
    this.jitter = opts.jitter ?? 0.1;
    this.random = opts.random ?? Math.random;
  }

  /** Replaces the set of checks. Unchanged ones (same service, name and config) keep their timing. */
  setChecks(checks: ScheduledCheck[]): void {
    const next = new Map<string, Entry>();
    for (const check of checks) {
      const key = keyOf(check);
      const old = this.entries.get(key);
      if (old && isDeepStrictEqual(old.check.config, check.config)) {
        next.set(key, old);
        continue;
      }
      next.set(key, { key, check });
    }
    for (const [key, old] of this.entries) {
      if (next.get(key) !== old) this.cancel(old);
    }
    const added = [...next.values()].filter((e) => this.entries.get(e.key) !== e);
    this.entries = next;
    if (this.running) for (const e of added) this.scheduleFirst(e);
  }

  start(): void {
    if (this.running) return;
    this.running = true;
    for (const e of this.entries.values()) {
      const run = e.current;
      if (!run) this.scheduleFirst(e);
      // A run that a stop() cancelled is still winding down: schedule once it has, never beside it.
      else if (run.cancelled) void run.promise.then(() => this.resume(e));
    }
  }

  /** Stops scheduling and aborts the runs in flight; their results are dropped. */
  stop(): void {
    this.running = false;
    for (const e of this.entries.values()) this.cancel(e);
  }

  /** Runs the matching checks now and waits for them; one already running is awaited, not started again. */
  async runNow(filter: { service?: string } = {}): Promise<void> {
    const runs: Promise<void>[] = [];
    for (const e of this.entries.values()) {
      if (filter.service !== undefined && e.check.service !== filter.service) continue;
      if (e.current) {
        runs.push(e.current.promise);
        continue;
      }
      this.clock.clearTimeout(e.timer);
      e.timer = undefined;
      runs.push(this.execute(e));
    }
    await Promise.all(runs);
  }

  /** The services with at least one scheduled check. */
  services(): string[] {
    return [...new Set([...this.entries.values()].map((e) => e.check.service))];
  }

  stats(): SchedulerStats {
    const sorted = [...this.lags].sort((a, b) => a - b);
    let inFlight = 0;
    for (const e of this.entries.values()) if (e.current) inFlight++;
    return {
      checks: this.entries.size,
      runs: this.runs,
      inFlight,
      lagP50Ms: percentile(sorted, 0.5),
      lagP99Ms: percentile(sorted, 0.99),
      lastLagMs: this.lastLag,
    };
  }

  private cancel(e: Entry): void {
    this.clock.clearTimeout(e.timer);
    e.timer = undefined;
    if (e.current) {
      e.current.cancelled = true;
      e.current.controller.abort(new Error('check cancelled'));
    }
  }

  private resume(e: Entry): void {
    if (this.running && this.entries.get(e.key) === e && !e.current && !e.timer) this.scheduleFirst(e);
  }

  /**
   * The first run lands at a random point of the jitter window, or with `spreadFirstRun: 'interval'` of the
   * whole first interval, so thousands of checks spread evenly instead of firing in one burst each interval.
   */
  private scheduleFirst(e: Entry): void {
    const spread = this.opts.spreadFirstRun === 'interval' ? 1 : this.jitter;
    this.scheduleAt(e, this.clock.now() + this.random() * spread * e.check.config.interval);
  }

  private scheduleAt(e: Entry, due: number): void {
    this.clock.clearTimeout(e.timer);
    e.timer = this.clock.setTimeout(
      () => {
        e.timer = undefined;
        this.recordLag(this.clock.now() - due);
        void this.execute(e);
      },
      Math.max(0, due - this.clock.now()),
    );
  }

  private recordLag(lag: number): void {
    this.lastLag = Math.max(0, lag);
    this.lags.push(this.lastLag);
    if (this.lags.length > LAG_WINDOW) this.lags.shift();
  }

  private execute(e: Entry): Promise<void> {
    const run: Run = { promise: Promise.resolve(), controller: new AbortController(), cancelled: false };
    run.promise = this.runOnce(e, run).finally(() => {
      if (e.current === run) e.current = undefined;
    });
    e.current = run;
    return run.promise;
  }

  private async runOnce(e: Entry, run: Run): Promise<void> {
    const { config } = e.check;
    const { controller } = run;
    const started = this.clock.now();
    // The timeout runs on the injected clock, so a simulated clock drives it in tests. A deadline that fires
    // late found Medic's own event loop busy past it: the answer may be waiting unread in a socket. The run
    // then gets that lateness again, once, so a loaded Medic does not call a service down for its own lag
    // (under load that turns into findings, incidents and more load).
    let timeout: TimerHandle | undefined;
    let extended = false;
    const deadline = (due: number) => {
      timeout = this.clock.setTimeout(
        () => {
          const late = this.clock.now() - due;
          if (late >= LATE_DEADLINE_MS && !extended) {
            extended = true;
            deadline(this.clock.now() + late);
            return;
          }
          controller.abort(new Error(`timed out after ${formatDuration(config.timeout)}`));
        },
        Math.max(0, due - this.clock.now()),
      );
    };
    deadline(started + config.timeout);
    let result: ProbeResult;
    try {
      result = await this.opts.run(e.check, controller.signal);
    } catch (err) {
      // Probes promise not to throw; one that does is still a failed check, not a dead scheduler.
      const message = controller.signal.aborted ? errorMessage(controller.signal.reason) : errorMessage(err);
      result = { ok: false, latencyMs: this.clock.now() - started, message };
    } finally {
      this.clock.clearTimeout(timeout);
    }
    if (run.cancelled) return;
    this.runs++;
    try {
      this.opts.onResult(e.check, result, this.clock.now());
    } catch (err) {
      // A subscriber's bug must not stop this check from being scheduled again; say so loudly, once per run.
      process.emitWarning(
        `scheduler: onResult for ${e.check.service}/${e.check.name} threw: ${errorMessage(err)}`,
      );
    }
    // Anchor the cadence on the start; an overrun pushes the next run to its end, never on top of it.
    if (this.running && this.entries.get(e.key) === e) {
      const interval = config.interval * (1 + this.jitter * (2 * this.random() - 1));
      this.scheduleAt(e, Math.max(started + interval, this.clock.now()));
    }
  }
}
