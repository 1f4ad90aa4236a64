/**
 * One `medic run` process as a member of the cluster: heartbeats on a loop, keeps its view of the live
 * replicas, says which checks are its share, and claims remediation steps. The daemon wires it; this module
 * decides nothing about checks or playbooks.
 *
 * The heartbeat is a lease, and it fences: the heartbeat goes over a connection of its own (never queued
 * behind the store's other work), and a replica that has not stored one for `expiry - heartbeat` runs no
 * checks, before any other replica may count it dead and take them. A replica that joins, or comes back
 * after such a lapse, runs its share only once every other live replica has heartbeated since (and so has
 * seen it and dropped that share). Two replicas thus never run the same check at once; a hand-over costs a
 * gap of at most a heartbeat or two, never duplicates. Clocks must agree to well under a heartbeat.
 */
import { randomUUID } from 'node:crypto';
import { hostname } from 'node:os';
import type { Action, Clock, TimerHandle } from '../core/index.js';
import type { KyselyStore } from '../store/index.js';
import { claimAction, claimActions, claimOrphans } from './claims.js';
import { DEFAULT_EXPIRY_MS, DEFAULT_HEARTBEAT_MS, Membership } from './membership.js';
import { ownerOf, shareOf } from './rendezvous.js';

export interface ReplicaOptions {
  store: KyselyStore;
  clock: Clock;
  /** Unique per process; default `<host>-<pid>-<random>`, so a restarted process is a new replica. */
  id?: string;
  heartbeatMs?: number;
  expiryMs?: number;
  info?: Record<string, unknown>;
  /** The live set changed (ids sorted): reschedule checks. Called after start() too. */
  onChange?: (live: readonly string[]) => void;
  /** Whether this replica may run its share of checks changed (see `active`): reschedule checks. */
  onActive?: (active: boolean) => void;
  /** A heartbeat failed; the loop keeps going. */
  onError?: (err: unknown) => void;
}

export function defaultReplicaId(): string {
  return `${hostname()}-${process.pid}-${randomUUID().slice(0, 8)}`;
}

export class Replica {
  readonly id: string;
  readonly heartbeatMs: number;
  readonly expiryMs: number;
  private readonly membership: Membership;
  private readonly store: KyselyStore;
  private readonly clock: Clock;
  private view: readonly string[] = [];
  private lastBeatAt: number | null = null;
  /** When this replica's current term began: the time its first heartbeat since a lapse was stored. */
  private joinedAt: number | null = null;
  /** Every other live replica has heartbeated since this term began (or is itself fenced). */
  private acknowledged = false;
  private reportedActive = false;
  private fenceTimer: TimerHandle | undefined;
  private timer: TimerHandle | undefined;
  private running = false;
  private inFlight: Promise<unknown> = Promise.resolve();

  constructor(private readonly opts: ReplicaOptions) {
    this.id = opts.id ?? defaultReplicaId();
    this.heartbeatMs = opts.heartbeatMs ?? DEFAULT_HEARTBEAT_MS;
    this.expiryMs = opts.expiryMs ?? DEFAULT_EXPIRY_MS;
    if (this.expiryMs < 2 * this.heartbeatMs) {
      throw new Error(
        `replica expiry (${this.expiryMs} ms) must be at least two heartbeats (${this.heartbeatMs} ms)`,
      );
    }
    this.store = opts.store;
    this.clock = opts.clock;
    this.membership = new Membership({
      // A statement gets a heartbeat (so a stalled one leaves time for another try before the fence), and
      // never under a second: a loaded machine's ordinary slowness is not a stall.
      db: opts.store.leaseDb({
        connectTimeoutMs: Math.max(this.fenceMs, 5_000),
        queryTimeoutMs: Math.max(this.heartbeatMs, 1_000),
      }),
      replicaId: this.id,
      clock: opts.clock,
      expiryMs: this.expiryMs,
      info: opts.info ?? { host: hostname(), pid: process.pid },
    });
  }

  /**
   * Joins (first heartbeat; throws if the store is unreachable) and starts the heartbeat loop. `sole`: this
   * process owns the store alone (SQLite), so any other replica listed is a dead predecessor.
   */
  async start(opts: { sole?: boolean } = {}): Promise<void> {
    if (opts.sole) await this.membership.evictOthers();
    await this.beat();
    await this.membership.prune().catch(() => 0);
    this.running = true;
    this.armFence();
    this.schedule(this.heartbeatMs);
  }

  /**
   * Stops the loop. With `leave` (default) the others take over at once; without, this behaves like a crash
   * and they take over after the expiry (tests use that). Stop scheduling steps before calling this.
   */
  async stop(opts: { leave?: boolean } = {}): Promise<void> {
    this.running = false;
    this.clock.clearTimeout(this.timer);
    this.clock.clearTimeout(this.fenceTimer);
    await this.inFlight;
    if (opts.leave ?? true) await this.membership.leave();
    this.lastBeatAt = null;
    this.joinedAt = null;
    this.acknowledged = false;
    this.reportedActive = false;
  }

  /** How long after its last stored heartbeat this replica stops acting: one heartbeat short of the expiry. */
  get fenceMs(): number {
    return this.expiryMs - this.heartbeatMs;
  }

  /** One heartbeat and a fresh view; the loop calls it, tests may call it directly. Returns the live ids. */
  async beat(): Promise<readonly string[]> {
    const at = this.clock.now();
    const rows = await this.membership.beat();
    const stored = this.clock.now();
    // The lease lapsed since the last beat (or there was none): others may have taken this replica's checks,
    // so a new term begins, and this replica waits for them to see it again.
    if (this.lastBeatAt === null || stored - this.lastBeatAt >= this.fenceMs) {
      this.joinedAt = stored;
      this.acknowledged = false;
    }
    this.lastBeatAt = Math.max(this.lastBeatAt ?? at, at);
    const since = this.joinedAt ?? stored;
    // Another replica has seen this one once it heartbeated after this term's first beat was stored (it reads
    // the live set after its own write). One silent for the fence time is fenced by its own rule, and on its
    // return it waits for this one in turn.
    this.acknowledged ||= rows.every(
      (r) => r.id === this.id || r.heartbeatAt >= since || r.heartbeatAt <= at - this.fenceMs,
    );
    const ids = rows.map((r) => r.id);
    if (ids.join('\n') !== this.view.join('\n')) {
      this.view = ids;
      this.opts.onChange?.(ids);
    }
    this.armFence();
    this.report();
    return ids;
  }

  /** The live replicas as of the last heartbeat, sorted. Kept (stale) while the store is unreachable. */
  get live(): readonly string[] {
    return this.view;
  }

  /**
   * Whether this replica may run its share of checks: it holds its lease (canAct), it is in its own view of
   * the live set, and every other live replica has seen it since its term began.
   */
  get active(): boolean {
    return this.acknowledged && this.canAct() && this.view.includes(this.id);
  }

  /** Whether this replica should run the check `key` (e.g. `${service}/${check}`); never while not active. */
  owns(key: string): boolean {
    return this.active && ownerOf(key, this.view) === this.id;
  }

  /** This replica's share of `items`; none while it is not active, so no check runs on two replicas at once. */
  share<T>(items: Iterable<T>, keyOf: (item: T) => string): T[] {
    return this.active ? shareOf(items, keyOf, this.view, this.id) : [];
  }

  /**
   * Whether this replica may act (run remediation steps): its last heartbeat is recent enough that no other
   * replica can yet consider it dead, with one heartbeat interval to spare.
   */
  canAct(): boolean {
    return this.lastBeatAt !== null && this.clock.now() - this.lastBeatAt < this.fenceMs;
  }

  /** Claims an action before running its next step; false means do not run it (someone else owns it). */
  async claim(actionId: string): Promise<boolean> {
    if (!this.canAct()) return false;
    return claimAction(this.store.db, actionId, this.id, this.clock.now(), this.expiryMs);
  }

  /** Claims every step of a run as it starts; false means do not run it (we cannot act, or someone owns one). */
  async claimRun(actionIds: readonly string[]): Promise<boolean> {
    if (!this.canAct()) return false;
    return claimActions(this.store.db, actionIds, this.id, this.clock.now(), this.expiryMs);
  }

  /** Takes over unfinished actions of dead replicas; the caller reconciles each (verify, else roll back). */
  async claimOrphans(limit?: number): Promise<Action[]> {
    if (!this.canAct()) return [];
    const ids = await claimOrphans(this.store.db, this.id, this.clock.now(), {
      expiryMs: this.expiryMs,
      ...(limit === undefined ? {} : { limit }),
    });
    const actions = await Promise.all(ids.map((id) => this.store.getAction(id)));
    return actions.filter((a): a is Action => a !== null);
  }

  /** The loop: anchored on each beat's start, so a slow beat is followed by the next at once. */
  private schedule(delay: number): void {
    if (!this.running) return;
    this.timer = this.clock.setTimeout(() => {
      const started = this.clock.now();
      const run = this.beat()
        .catch((err: unknown) => this.opts.onError?.(err))
        .finally(() => this.schedule(Math.max(0, started + this.heartbeatMs - this.clock.now())));
      this.inFlight = run;
    }, delay);
  }

  /** Wakes when the lease would lapse without another beat, so the daemon stops its checks on time. */
  private armFence(): void {
    if (!this.running || this.lastBeatAt === null) return;
    this.clock.clearTimeout(this.fenceTimer);
    this.fenceTimer = this.clock.setTimeout(
      () => {
        this.report();
        // A timer that fired a moment early (wall clock against the timer's clock) looks again.
        if (this.canAct()) this.armFence();
      },
      Math.max(0, this.lastBeatAt + this.fenceMs - this.clock.now()),
    );
  }

  private report(): void {
    const active = this.active;
    if (active === this.reportedActive) return;
    this.reportedActive = active;
    this.opts.onActive?.(active);
  }
}
