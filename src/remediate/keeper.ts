import type { TimerHandle } from '../core/index.js';
import { ConflictError, errorMessage, formatDuration, newId } from '../core/index.js';
import type { EngineDeps } from './deps.js';
import { evaluateKeepalive, type GuardDecision } from './guard.js';
import { activeMaintenance, silenceMatches } from './silences.js';

/** How many notes-already-made keys are remembered. */
const NOTED_MAX = 1_000;

/** The playbook name a keepalive start is journaled under. */
export const KEEPALIVE = 'keepalive';

/** The first keepalive delay: long enough for the playbooks' heal to be decided first. */
const KEEPALIVE_FIRST_MS = 10_000;

/** How soon the keeper looks again when a heal was on its way at its due time. */
const RECHECK_MS = 1_000;

/**
 * How long a started process must keep running for its start to be journaled verified: as long as the first
 * keepalive delay, so a process that dies on every start (a crash loop) shows failed starts, not verified ones.
 */
export const KEEPALIVE_STABLE_MS = KEEPALIVE_FIRST_MS;

/** The kubelet's CrashLoopBackOff cap: a dead process is tried again at least this often. */
export const KEEPALIVE_CAP_MS = 300_000;

/** What the keeper needs of the engine's scheduler: one heal per service at a time. */
export interface KeeperHooks {
  /** A heal of the service runs or waits on a timer: the playbooks are on it, the keeper stands by. */
  pending(service: string): boolean;
  /** Runs the work as the service's one heal. */
  track(service: string, work: () => Promise<void>): Promise<void>;
}

/**
 * Keeps supervised processes alive whatever the playbooks' rails decided, as the kubelet does for a dead
 * container: a process that exited and that no heal is about to start is started again with a capped
 * exponential backoff (from 10 s, capped at 5 minutes), also after an escalation. Escalation stops a
 * service's playbooks, never its supervision. Each start goes through its own guard (autonomy, the stop
 * switch, maintenance, silences, dry run) and the journal, like any action.
 */
export class Keeper {
  private readonly timers = new Map<string, TimerHandle>();
  /** Starts in a row per service, the backoff's exponent; forgotten after a healthy period. */
  private readonly attempts = new Map<string, number>();
  private readonly told = new Set<string>();
  /** Starts waiting for their process to stay up KEEPALIVE_STABLE_MS: the journal entry is settled then. */
  private readonly watching = new Map<
    string,
    { actionId: string; pid: number; startedAt: number; timer: TimerHandle }
  >();

  constructor(
    private readonly d: Pick<
      EngineDeps,
      'clock' | 'config' | 'control' | 'journal' | 'store' | 'incidents' | 'logger'
    >,
    private readonly signal: AbortSignal,
    private readonly hooks: KeeperHooks,
  ) {}

  /** The service's process exited unexpectedly (or could not start): start it again after the backoff. */
  onExit(service: string, pid?: number): void {
    const started = this.watching.get(service);
    // Another process's exit (one a playbook's restart started since) says nothing of this start.
    if (started && (pid === undefined || pid === started.pid))
      this.settle(
        service,
        false,
        `${service} exited ${formatDuration(this.d.clock.now() - started.startedAt)} after this start`,
      );
    if (!this.d.config().config.services[service]?.run || this.timers.has(service)) return;
    this.arm(service, this.delay(service));
  }

  /**
   * The next start's delay: 10 s (the kubelet's first back-off; a playbook's heal normally starts the process
   * well before), times policy.backoff.factor per start made in a row, capped at policy.backoff.max and at
   * 5 minutes.
   */
  delay(service: string): number {
    const { factor, max } = this.d.config().config.policy.backoff;
    const n = this.attempts.get(service) ?? 0;
    return Math.min(max, KEEPALIVE_CAP_MS, KEEPALIVE_FIRST_MS * factor ** n);
  }

  /** The service stayed healthy: its next exit starts from the shortest delay again. */
  reset(service: string): void {
    this.attempts.delete(service);
  }

  /**
   * A human reset the service: its next start is not left at the end of a long backoff (they asked Medic to
   * act on it again), and the backoff starts over.
   */
  expedite(service: string): void {
    this.attempts.delete(service);
    if (this.timers.has(service)) this.arm(service, 0);
  }

  /** True while a start of the service is due. */
  due(service: string): boolean {
    return this.timers.has(service);
  }

  stop(): void {
    for (const t of this.timers.values()) this.d.clock.clearTimeout(t);
    this.timers.clear();
    // A start still being watched stays `applied`: the next start-up's reconciliation verifies it.
    for (const w of this.watching.values()) this.d.clock.clearTimeout(w.timer);
    this.watching.clear();
  }

  /** Watches a start journaled `applied`: verified once the process has run KEEPALIVE_STABLE_MS. */
  private watch(service: string, actionId: string, pid: number): void {
    const earlier = this.watching.get(service);
    if (earlier) this.settle(service, false, `${service} was not running when it was started again`);
    const startedAt = this.d.clock.now();
    const timer = this.d.clock.setTimeout(() => {
      const running = this.d.control.running?.(service) ?? true;
      const after = formatDuration(KEEPALIVE_STABLE_MS);
      this.settle(
        service,
        running,
        running
          ? `${service} still runs ${after} after its start (pid ${pid})`
          : `${service} is not running ${after} after its start`,
      );
    }, KEEPALIVE_STABLE_MS);
    this.watching.set(service, { actionId, pid, startedAt, timer });
  }

  /** Ends the watched start's journal entry: verified, or failed (the process died: a crash loop). */
  private settle(service: string, ok: boolean, why: string): void {
    const w = this.watching.get(service);
    if (!w) return;
    this.watching.delete(service);
    this.d.clock.clearTimeout(w.timer);
    // Only from `applied`: a reconciliation or a human that moved it since has the last word.
    void this.d.journal.move(w.actionId, ok ? 'verified' : 'failed', why, 'medic', 'applied').catch((err) => {
      if (!(err instanceof ConflictError))
        this.d.logger.error({ err: errorMessage(err), service }, 'keepalive journal failed');
    });
  }

  private arm(service: string, delay: number): void {
    const prev = this.timers.get(service);
    if (prev) this.d.clock.clearTimeout(prev);
    this.timers.set(
      service,
      this.d.clock.setTimeout(() => {
        this.timers.delete(service);
        void this.fire(service).catch((err) =>
          this.d.logger.error({ err: errorMessage(err), service }, 'keepalive failed'),
        );
      }, delay),
    );
  }

  private async fire(service: string): Promise<void> {
    if (this.signal.aborted) return;
    const run = this.d.config().config.services[service]?.run;
    if (!run || this.d.control.running?.(service)) return;
    // A playbook's heal is on its way or running: it starts the process; look again shortly (the heal may
    // yet be refused), without waiting a whole backoff more.
    if (this.hooks.pending(service)) return this.arm(service, RECHECK_MS);
    const decision = await this.guard(service);
    const incident = await this.d.store.activeIncident(service);
    if (decision.verdict !== 'run') {
      const key = `${incident?.id ?? ''}|${decision.rail}`;
      if (incident && !this.told.has(key)) {
        this.told.add(key);
        // Keys name incidents, which end: keep the newest only (a note repeated after that is harmless).
        if (this.told.size > NOTED_MAX) this.told.delete(this.told.values().next().value as string);
        await this.d.incidents.note(
          incident.id,
          `${service} is not running; not started: ${decision.reason}`,
        );
      }
      // Looked at again in any case: a stop switch lifted or a config that changed says nothing to the keeper,
      // and a dead process must not stay dead once the hold is gone.
      const lifts = decision.retryAt === undefined ? 0 : decision.retryAt - this.d.clock.now();
      this.arm(service, Math.max(this.delay(service), lifts));
      return;
    }
    const n = (this.attempts.get(service) ?? 0) + 1;
    this.attempts.set(service, n);
    await this.hooks.track(service, async () => {
      if (this.d.control.running?.(service)) return;
      const reason = `${service} is not running and no heal is on its way: start it again (keepalive, start ${n} in a row)`;
      const action = await this.d.journal.intend(
        {
          id: newId('act'),
          incidentId: incident?.id ?? null,
          service,
          playbook: KEEPALIVE,
          step: 0,
          kind: 'restart',
          params: { description: `start ${service} again (keepalive)`, runId: newId('run'), attempt: n },
          state: 'planned',
          dryRun: false,
          reason,
        },
        reason,
      );
      try {
        const pid = await this.d.control.restart(service);
        await this.d.journal.move(
          action.id,
          'applied',
          `started as pid ${pid}; verified once it has run ${formatDuration(KEEPALIVE_STABLE_MS)}`,
        );
        this.watch(service, action.id, pid);
        if (incident)
          await this.d.incidents.note(
            incident.id,
            `keepalive: ${service} started again (pid ${pid}); if it exits again, the next start is in ${formatDuration(this.delay(service))}`,
            { service, attempt: n },
          );
      } catch (err) {
        await this.d.journal.move(action.id, 'failed', `start failed: ${errorMessage(err)}`);
        this.arm(service, this.delay(service));
      }
    });
  }

  private async guard(service: string): Promise<GuardDecision> {
    const cfg = this.d.config().config;
    const now = this.d.clock.now();
    const silences = await this.d.store.listSilences({ activeAt: now });
    const window = activeMaintenance(cfg.policy.maintenance, service, now);
    return evaluateKeepalive({
      service,
      autonomy: cfg.services[service]?.autonomy ?? cfg.policy.autonomy,
      policy: cfg.policy,
      now,
      stop: await this.d.store.getHealingSwitch(),
      maintenance: window ? { name: window.window.name ?? window.window.cron, closes: window.closes } : null,
      silence: silences.find((s) => silenceMatches(s, { service }, now)) ?? null,
    });
  }
}
