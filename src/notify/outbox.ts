import { createHash, randomUUID } from 'node:crypto';
import type { Logger } from 'pino';
import { type Clock, errorMessage, type TimerHandle } from '../core/index.js';
import type { OutboxEntry, Store } from '../store/index.js';
import { type BackoffOptions, backoffMs, DEFAULT_BACKOFF, isPermanent } from './backoff.js';
import { CRITICAL_EVENTS, combine, type GroupTag } from './group.js';
import type { Notification, Notifier } from './notifier.js';
import { redactSecrets } from './redact.js';

export type OutboxStore = Pick<
  Store,
  | 'enqueueNotifications'
  | 'claimNotifications'
  | 'settleNotification'
  | 'deferNotifications'
  | 'nextNotificationAt'
  | 'pruneNotifications'
>;

/**
 * Delivered and dead rows are kept a week: long enough that no decision is made again after its row (and so
 * its key) is gone, short enough that the table stays small. Pruned at most hourly.
 */
const KEEP_MS = 7 * 24 * 3_600_000;
const PRUNE_EVERY_MS = 3_600_000;
const DEFAULT_POLL_MS = 10_000;

/** The replica this process is: claims name it, and a replica whose heartbeat is stale must not send. */
export interface OutboxReplica {
  readonly id: string;
  readonly expiryMs: number;
  canAct(): boolean;
}

export interface OutboxOptions {
  store: OutboxStore;
  clock: Clock;
  logger: Logger;
  replica: OutboxReplica;
  /** The channel a row names, as the config is now; undefined when no notifier has that name any more. */
  channel(name: string): Notifier | undefined;
  backoff?: BackoffOptions;
  /**
   * Look for rows other replicas enqueued, released or left behind at least this often (ms; default 10 s).
   * Rows this process enqueues or schedules wake it by themselves; the poll is for the others' only.
   */
  pollMs?: number;
  /** Rows claimed per pass (default 50). */
  batch?: number;
}

/**
 * The durable path of a notification (Alertmanager's notification log): `enqueue` writes it to the store,
 * and only then is it sent, by whichever replica claims it. A failed send is retried with capped exponential
 * backoff, per row and per channel (a channel that just failed is left alone until its own backoff ends, so a
 * dead receiver is not hammered with every row); a permanent refusal or too many attempts dead-letter it.
 */
export class Outbox {
  private readonly backoff: BackoffOptions;
  private readonly channels = new Map<string, { failures: number; until: number }>();
  private timer: TimerHandle | undefined;
  private running = false;
  /** Aborted by stop(): the send in flight gives up and no further row of the pass is tried. */
  private stopping = new AbortController();
  private passing: Promise<void> | null = null;
  private again = false;
  private prunedAt = Number.NEGATIVE_INFINITY;
  /** When each group (`notifier|group key`) was last sent: its next send waits group_interval after. */
  private readonly groupSent = new Map<string, number>();
  /** The earliest time a group held back in this pass is due. */
  private heldUntil = Number.POSITIVE_INFINITY;
  /**
   * Groups held back (`notifier|group key`): when each is due and how many rows wait in it. A member that
   * arrives meanwhile joins that due time; a restart forgets them, and the rows come back when stored due.
   */
  private readonly heldGroups = new Map<string, { notifier: string; due: number; rows: number }>();

  constructor(private readonly o: OutboxOptions) {
    this.backoff = o.backoff ?? DEFAULT_BACKOFF;
  }

  /** Writes the notification for one notifier; resolved means stored (it will be sent, once). */
  async enqueue(notifier: string, n: Notification): Promise<void> {
    const key = n.key ?? notificationKey(n);
    await this.o.store.enqueueNotifications([
      {
        id: `ntf_${randomUUID()}`,
        key,
        notifier,
        event: n.event,
        service: n.service,
        incidentId: n.incidentId,
        payload: { ...n, key } as unknown as Record<string, unknown>,
        createdAt: this.o.clock.now(),
      },
    ]);
    this.kick();
  }

  /** Starts sending: at once (what a previous run left is due), then as rows fall due. */
  start(): void {
    if (this.stopping.signal.aborted) this.stopping = new AbortController();
    this.running = true;
    this.kick();
  }

  /**
   * Stops at once: the send in flight is aborted (retried later) and the rest of the pass is left, so a stop
   * never waits for up to a batch of sends with their timeouts. What is left stays stored for the next start
   * or another replica (which takes this one's claims once its heartbeat is stale).
   */
  async stop(): Promise<void> {
    this.running = false;
    this.stopping.abort();
    this.o.clock.clearTimeout(this.timer);
    await this.passing;
  }

  /** A pass soon, on the event loop rather than the clock, so a simulated clock need not move for it. */
  kick(): void {
    if (!this.running) return;
    if (this.passing) {
      this.again = true;
      return;
    }
    this.passing = new Promise<void>((resolve) => setImmediate(resolve))
      .then(() => this.loop())
      .finally(() => {
        this.passing = null;
      });
  }

  private async loop(): Promise<void> {
    do {
      this.again = false;
      this.o.clock.clearTimeout(this.timer);
      let wake: number;
      try {
        wake = await this.pass();
      } catch (err) {
        this.o.logger.warn({ err: errorMessage(err) }, 'notification outbox pass failed');
        wake = this.o.clock.now() + (this.o.pollMs ?? DEFAULT_POLL_MS);
      }
      if (!this.running) return;
      this.timer = this.o.clock.setTimeout(() => this.kick(), Math.max(0, wake - this.o.clock.now()));
    } while (this.again && this.running);
  }

  /** Claims what is due and sends it; returns when the next pass should run. */
  async pass(): Promise<number> {
    const now = this.o.clock.now();
    const poll = now + (this.o.pollMs ?? DEFAULT_POLL_MS);
    // A stale heartbeat is usually fixed by the next one (2 s): look again soon, not a whole poll later.
    if (!this.o.replica.canAct()) return now + 1_000;
    if (now - this.prunedAt >= PRUNE_EVERY_MS) {
      this.prunedAt = now;
      await this.o.store.pruneNotifications(now - KEEP_MS);
    }
    const blocked = [...this.channels].filter(([, c]) => c.until > now).map(([name]) => name);
    // Rows held for their group are stored due when the group is, so a claim returns them only then; the
    // claim reaches as far as the groups due now hold, so each goes out whole with what else is due.
    // A channel in backoff is skipped by the claim: its due groups wait, remembered, for the claim after it.
    const dueGroups = [...this.heldGroups]
      .filter(([, g]) => g.due <= now && !blocked.includes(g.notifier))
      .map(([key]) => key);
    const dueHeld = dueGroups.reduce((n, key) => n + (this.heldGroups.get(key)?.rows ?? 0), 0);
    const batch = (this.o.batch ?? 50) + dueHeld;
    const claim = (limit: number, events: { onlyEvents: string[] } | { exceptEvents: string[] }) =>
      this.o.store.claimNotifications(this.o.replica.id, now, {
        expiryMs: this.o.replica.expiryMs,
        limit,
        skipNotifiers: blocked,
        ...events,
      });
    // A human waits on these: claimed on their own, so a storm of due notices does not hold one back a pass,
    // while the others' claim keeps its order (held groups first) and its reach, so each group goes out whole.
    const critical = [...CRITICAL_EVENTS];
    const urgentBatch = this.o.batch ?? 50;
    const urgent = await claim(urgentBatch, { onlyEvents: critical });
    const rest = await claim(batch, { exceptEvents: critical });
    const rows = [...urgent, ...rest];
    const byChannel = new Map<string, OutboxEntry[]>();
    for (const r of rows) {
      const list = byChannel.get(r.notifier);
      if (list) list.push(r);
      else byChannel.set(r.notifier, [r]);
    }
    this.heldUntil = Number.POSITIVE_INFINITY;
    // Channels in parallel, each in order: a slow receiver does not hold up the others.
    await Promise.all([...byChannel].map(([name, list]) => this.sendAll(name, list)));
    // Forgotten once their pass is through (a stop midway keeps them for the next one); held again, or on a
    // channel that failed in this pass (its rows come back after the backoff): kept.
    if (!this.stopping.signal.aborted)
      for (const key of dueGroups) {
        const g = this.heldGroups.get(key);
        const failed = g !== undefined && (this.channels.get(g.notifier)?.until ?? 0) > this.o.clock.now();
        if (g !== undefined && g.due <= now && !failed) this.heldGroups.delete(key);
      }
    // A full batch means more may be due: look again at once.
    if (urgent.length >= urgentBatch || rest.length >= batch) return this.o.clock.now();
    let wake = Math.min(poll, this.heldUntil);
    const next = await this.o.store.nextNotificationAt();
    if (next !== null && next > this.o.clock.now()) wake = Math.min(wake, next);
    for (const c of this.channels.values()) if (c.until > this.o.clock.now()) wake = Math.min(wake, c.until);
    return wake;
  }

  /**
   * A channel's rows: those that may not wait in order, one by one; then each group that is due as one
   * message. A group not due yet stays claimed and is stored due when the group is (a restart keeps it).
   */
  private async sendAll(name: string, rows: readonly OutboxEntry[]): Promise<void> {
    const channel = this.o.channel(name);
    const groups = new Map<string, { tag: GroupTag; rows: OutboxEntry[] }>();
    const single: OutboxEntry[] = [];
    for (const row of rows) {
      const tag = channel ? groupOf(row) : null;
      if (!tag) single.push(row);
      else {
        const group = groups.get(tag.key);
        if (group) group.rows.push(row);
        else groups.set(tag.key, { tag, rows: [row] });
      }
    }
    for (const row of single) if (!(await this.attempt(name, channel, [row]))) return;
    const now = this.o.clock.now();
    for (const { tag, rows: members } of groups.values()) {
      const id = `${name}|${tag.key}`;
      const held = this.heldGroups.get(id);
      const last = this.groupSent.get(id) ?? Number.NEGATIVE_INFINITY;
      const first = Math.min(...members.map((r) => r.createdAt));
      // A member arriving while its group is held joins it rather than starting a group_wait of its own.
      const waiting = held && held.due > now ? held : undefined;
      const due = waiting?.due ?? Math.max(first + tag.waitMs, last + tag.intervalMs);
      if (due > now) {
        await this.defer(members, due);
        this.heldGroups.set(id, { notifier: name, due, rows: (waiting?.rows ?? 0) + members.length });
        this.heldUntil = Math.min(this.heldUntil, due);
        continue;
      }
      if (!(await this.attempt(name, channel, members))) return;
      this.groupSent.set(id, this.o.clock.now());
    }
  }

  /** Stores held rows due when their group is: no pass claims them before then (no attempt is counted). */
  private async defer(rows: readonly OutboxEntry[], due: number): Promise<void> {
    const moved = await this.o.store.deferNotifications(
      rows.map((r) => r.id),
      this.o.replica.id,
      due,
      this.o.clock.now(),
    );
    if (moved < rows.length)
      this.o.logger.warn(
        { notifier: rows[0]?.notifier, held: rows.length, moved },
        'held notifications taken over by another replica',
      );
  }

  /** Sends the rows as one message (several: a group); false when the channel's other rows must wait. */
  private async attempt(name: string, channel: Notifier | undefined, rows: OutboxEntry[]): Promise<boolean> {
    const signal = this.stopping.signal;
    if (signal.aborted) return false;
    if (!channel) {
      for (const row of rows)
        await this.settle(row, 'dead', `no notifier is named "${name}" in the config now`);
      return true;
    }
    try {
      await channel.send(combine(rows.map(plain)), signal);
    } catch (err) {
      const error = redactSecrets(errorMessage(err));
      if (signal.aborted) {
        // Cut short by stop(), not refused: tried again later, and the channel is not put in backoff.
        for (const row of rows) await this.settle(row, 'pending', `interrupted by a stop: ${error}`);
        return false;
      }
      const failures = (this.channels.get(name)?.failures ?? 0) + 1;
      this.channels.set(name, { failures, until: this.o.clock.now() + backoffMs(failures, this.backoff) });
      for (const row of rows) {
        const dead = isPermanent(err) || row.attempts + 1 >= this.backoff.maxAttempts;
        await this.settle(row, dead ? 'dead' : 'pending', error);
      }
      // The rest of this channel's rows stay ours and due: sent once its backoff ends.
      return false;
    }
    this.channels.delete(name);
    for (const row of rows) await this.settle(row, 'delivered');
    return true;
  }

  private async settle(row: OutboxEntry, state: 'delivered' | 'pending' | 'dead', error = ''): Promise<void> {
    const at = this.o.clock.now();
    const outcome =
      state === 'delivered'
        ? { state, at }
        : state === 'pending'
          ? { state, at, error, nextAttemptAt: at + backoffMs(row.attempts + 1, this.backoff) }
          : { state, at, error };
    const held = await this.o.store.settleNotification(row.id, this.o.replica.id, outcome);
    const fields = { notifier: row.notifier, event: row.event, service: row.service, key: row.key };
    if (!held) this.o.logger.warn(fields, 'notification taken over by another replica while sending');
    else if (state === 'dead')
      this.o.logger.error(
        { ...fields, attempts: row.attempts + 1, err: error },
        'notification dead-lettered',
      );
    else if (outcome.state === 'pending') {
      const retryAt = new Date(outcome.nextAttemptAt).toISOString();
      this.o.logger.warn(
        { ...fields, attempts: row.attempts + 1, retryAt, err: error },
        'notify failed: will retry',
      );
    }
  }
}

/** A decision's identity when its producer gave none: the same notification twice is one row. */
/** The group a stored notice waits in, if the router gave it one. */
function groupOf(row: OutboxEntry): GroupTag | null {
  const g = row.payload['group'] as Partial<GroupTag> | undefined;
  return g && typeof g.key === 'string' && typeof g.waitMs === 'number' && typeof g.intervalMs === 'number'
    ? { key: g.key, waitMs: g.waitMs, intervalMs: g.intervalMs }
    : null;
}

/** The stored notice as the channel gets it: without the grouping the outbox used. */
function plain(row: OutboxEntry): Notification {
  const { group: _group, ...n } = row.payload as unknown as Notification;
  return n;
}

export function notificationKey(n: Notification): string {
  const text = [n.event, n.service, n.incidentId ?? '', n.at, n.title, n.message].join('\u0000');
  return `${n.event}|${createHash('sha256').update(text).digest('hex').slice(0, 32)}`;
}
