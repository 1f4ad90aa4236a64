import type { AuditEntry, TimelineEntry } from '../core/index.js';

/** What the report reads of a stored notification (an outbox row). */
export interface SentNotification {
  key: string;
  event: string;
  incidentId: string | null;
  createdAt: number;
  deliveredAt: number | null;
  payload: Record<string, unknown>;
}

export interface EscalationCounts {
  /** Incidents handed to a human at some time in the window, whatever state they ended in. */
  incidents: number;
  /** Escalation messages delivered (one per decision, however many channels took it), reminders aside. */
  sent: number;
  /** "Still needs a human" reminders delivered. */
  reminders: number;
}

/**
 * Escalations as they happened, not as incidents ended: an incident escalated and then fixed by a person ends
 * `resolved`, and counting final states said "0 escalated" though a human was paged. Incidents come from the
 * audit log's and the timelines' transitions into `escalated`; messages from the notification outbox, one per
 * key (a decision sent to three channels is one escalation).
 */
export function countEscalations(
  since: number,
  until: number,
  audit: readonly AuditEntry[],
  timelines: Readonly<Record<string, readonly TimelineEntry[]>>,
  notifications: readonly SentNotification[],
): EscalationCounts {
  const inWindow = (t: number) => t >= since && t < until;
  const incidents = new Set<string>();
  for (const e of audit)
    if (e.event === 'incident.escalated' && e.actor === 'medic' && inWindow(e.at)) incidents.add(e.subject);
  for (const [id, entries] of Object.entries(timelines))
    if (entries.some((e) => e.kind === 'transition' && e.state === 'escalated' && inWindow(e.at)))
      incidents.add(id);
  const sent = new Set<string>();
  const reminders = new Set<string>();
  for (const n of notifications) {
    if (n.event !== 'incident.escalated' || n.deliveredAt === null || !inWindow(n.createdAt)) continue;
    const data = n.payload['data'] as Record<string, unknown> | undefined;
    (data?.['reminder'] === true ? reminders : sent).add(n.key);
  }
  return { incidents: incidents.size, sent: sent.size, reminders: reminders.size };
}
