/** What the notify stage tells people. Channels implement Notifier; the router decides who gets what. */
export type NotificationEvent =
  | 'incident.opened'
  | 'incident.resolved'
  | 'incident.escalated'
  | 'incident.flapping'
  | 'action';

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
}

export interface Notifier {
  readonly name: string;
  /** Delivers one notification; rejects when the channel did not accept it. */
  send(n: Notification): Promise<void>;
}
