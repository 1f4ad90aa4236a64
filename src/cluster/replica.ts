/**
 * One `medic run` process as a member of the cluster: heartbeats on a loop, keeps its view of the live
 * replicas, says which checks are its share, and claims remediation steps. The daemon wires it; this module
 * decides nothing about checks or playbooks.
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
      db: opts.store.db,
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
    this.schedule();
  }

  /**
   * Stops the loop. With `leave` (default) the others take over at once; without, this behaves like a crash
   * and they take over after the expiry (tests use that). Stop scheduling steps before calling this.
   */
  async stop(opts: { leave?: boolean } = {}): Promise<void> {
    this.running = false;
    this.clock.clearTimeout(this.timer);
    await this.inFlight;
    if (opts.leave ?? true) await this.membership.leave();
    this.lastBeatAt = null;
  }

  /** One heartbeat and a fresh view; the loop calls it, tests may call it directly. Returns the live ids. */
  async beat(): Promise<readonly string[]> {
    const at = this.clock.now();
    const rows = await this.membership.beat();
    this.lastBeatAt = Math.max(this.lastBeatAt ?? at, at);
    const ids = rows.map((r) => r.id);
    if (ids.join('\n') !== this.view.join('\n')) {
      this.view = ids;
      this.opts.onChange?.(ids);
    }
    return ids;
  }

  /** The live replicas as of the last heartbeat, sorted. Kept (stale) while the store is unreachable. */
  get live(): readonly string[] {
    return this.view;
  }

  /** Whether this replica should run the check `key` (e.g. `${service}/${check}`). */
  owns(key: string): boolean {
    return ownerOf(key, this.view) === this.id;
  }

  /** This replica's share of `items`. Probing stays idempotent, so a stale view costs duplicates, not gaps. */
  share<T>(items: Iterable<T>, keyOf: (item: T) => string): T[] {
    return shareOf(items, keyOf, this.view, this.id);
  }

  /**
   * Whether this replica may act (run remediation steps): its last heartbeat is recent enough that no other
   * replica can yet consider it dead, with one heartbeat interval to spare.
   */
  canAct(): boolean {
    return this.lastBeatAt !== null && this.clock.now() - this.lastBeatAt < this.expiryMs - this.heartbeatMs;
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

  private schedule(): void {
    if (!this.running) return;
    this.timer = this.clock.setTimeout(() => {
      const run = this.beat()
        .catch((err: unknown) => this.opts.onError?.(err))
        .finally(() => this.schedule());
      this.inFlight = run;
    }, this.heartbeatMs);
  }
}
