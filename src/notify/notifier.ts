/** What the notify stage tells people. Channels implement Notifier; the router decides who gets what. */
export type NotificationEvent =
  | 'incident.opened'
  | 'incident.resolved'
  | 'incident.escalated'
  | 'incident.flapping'
  | 'action'
  /** A heal waits for a human; a route subscribed to `action` gets these three too. */
  | 'action.awaiting_approval'
  | 'action.expired'
  | 'action.failed';

export interface Notification {
  event: NotificationEvent;
  /** Epoch milliseconds from the injected Clock. */
  at: number;
  service: string;
  title: string;
  message: string;
  incidentId: string | null;
  data: Record<string, unknown>;
  /** Only this notifier (by name), not every one subscribed to the event: a playbook's `escalate.route`. */
  route?: string;
  /**
   * Identity of the decision (`action.failed|act_12`): the outbox sends one per (notifier, key), however
   * often it is enqueued. Absent, one is made from the event, service, incident, time and text. Receivers
   * see it in a webhook's body and may use it to drop a repeat.
   */
  key?: string;
  /**
   * Set by the router on a notice that may wait for others of its group (group_wait): the outbox holds the
   * stored row until the group is due and sends the group as one. Channels never see it.
   */
  group?: GroupTag;
}

export interface Notifier {
  readonly name: string;
  /**
   * Delivers one notification; rejects when the channel did not accept it. `signal` aborts the attempt (the
   * outbox stopping), so a stop does not wait out a receiver's timeout.
   */
  send(n: Notification, signal?: AbortSignal): Promise<void>;
}

/**
 * What a stored notice carries so the outbox can group it after a restart too: the group and its timings,
 * decided by the router from the notifier's settings when it was enqueued.
 */
export interface GroupTag {
  key: string;
  waitMs: number;
  intervalMs: number;
}
