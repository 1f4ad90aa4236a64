/**
 * The notification outbox (migration 007), like Alertmanager's notification log: a notification is a row
 * before it is sent, so a receiver's error or a crash delays it instead of losing it, and (notifier, key) is
 * unique, so the same decision is sent once however many times or replicas it is enqueued by.
 */

/** `pending`: waits for its next attempt (or is being sent by `claimedBy`); `dead`: gave up, kept for people. */
export type OutboxState = 'pending' | 'delivered' | 'dead';

export const OUTBOX_STATES: readonly OutboxState[] = ['pending', 'delivered', 'dead'];

export interface OutboxInsert {
  id: string;
  /** Identity of the decision (e.g. `action.failed|act_12`): one row per (notifier, key). */
  key: string;
  notifier: string;
  event: string;
  service: string;
  incidentId: string | null;
  /** The notification as the channel will get it (already redacted), JSON-serializable. */
  payload: Record<string, unknown>;
  createdAt: number;
}

export interface OutboxEntry extends OutboxInsert {
  state: OutboxState;
  attempts: number;
  nextAttemptAt: number;
  lastError: string | null;
  /** Replica sending it now (or that last held it); a dead replica's claim is free to take. */
  claimedBy: string | null;
  deliveredAt: number | null;
  updatedAt: number;
}

/** What one attempt came to: the row is delivered, retried at `nextAttemptAt`, or dead. */
export type OutboxSettle =
  | { state: 'delivered'; at: number }
  | { state: 'pending'; at: number; nextAttemptAt: number; error: string }
  | { state: 'dead'; at: number; error: string };

export interface OutboxClaimOptions {
  /** A claim held by a replica whose heartbeat is older than this is free (the replica died). */
  expiryMs: number;
  /** At most this many rows per call (default 50). */
  limit?: number;
  /** Leave these notifiers' rows alone (their channel is backing off). */
  skipNotifiers?: readonly string[];
  /** Only rows of these events. */
  onlyEvents?: readonly string[];
  /** No rows of these events. */
  exceptEvents?: readonly string[];
}

export interface OutboxFilter {
  state?: OutboxState;
  notifier?: string;
  limit?: number;
  offset?: number;
}
