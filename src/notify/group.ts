import { createHash } from 'node:crypto';
import type { Notification, NotificationEvent } from './notifier.js';

/**
 * Notification grouping, like Alertmanager's: a notice that can wait waits `group_wait` for others of its
 * group (same notifier, event and service) and goes out as one; later ones of the group wait
 * `group_interval` after the last send. Three crashes of one service in a minute are one "opened" and one
 * "resolved" message per channel, not six.
 */

/** Defaults of `group_wait` and `group_interval` (Alertmanager's): a notice that can wait, waits this long. */
export const DEFAULT_GROUP_WAIT_MS = 30_000;
export const DEFAULT_GROUP_INTERVAL_MS = 300_000;

/**
 * Notices that ask a human for something now are never grouped nor dropped as repeats, whatever the
 * notifier's settings: an escalation, a heal waiting for approval, a failed step. Never down silently, and
 * never late for the person who has to act.
 */
export const CRITICAL_EVENTS: ReadonlySet<NotificationEvent> = new Set([
  'incident.escalated',
  'action.awaiting_approval',
  'action.failed',
]);

export function isCritical(n: Pick<Notification, 'event' | 'data'>): boolean {
  return CRITICAL_EVENTS.has(n.event) || n.data['urgent'] === true;
}

/** Which group a notice joins within one notifier. */
export function groupKey(n: Pick<Notification, 'event' | 'service'>): string {
  return `${n.event}|${n.service}`;
}

export type { GroupTag } from './notifier.js';

/** Several notifications of one group as one: the newest leads, the others are listed. */
export function combine(batch: readonly Notification[]): Notification {
  if (batch.length === 1) return batch[0]!;
  const lead = batch.at(-1)!;
  return {
    ...lead,
    title: `${lead.title} (+${batch.length - 1} more)`,
    message: batch.map((b) => b.message).join('\n'),
    data: {
      ...lead.data,
      grouped: batch.map((b) => ({ incidentId: b.incidentId, title: b.title, at: b.at })),
    },
    // The group is one decision: its identity is its members'.
    key: `group|${createHash('sha256')
      .update(batch.map((b) => b.key ?? `${b.event}|${b.incidentId ?? ''}|${b.at}|${b.title}`).join('\n'))
      .digest('hex')
      .slice(0, 32)}`,
  };
}
