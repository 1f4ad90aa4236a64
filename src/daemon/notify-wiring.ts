import type { Logger } from 'pino';
import { type Bus, type Clock, errorMessage } from '../core/index.js';
import type { NotifyRouter } from '../notify/index.js';
import type { Store } from '../store/index.js';
import { subscribeActionNotices } from './action-notices.js';
import { subscribeNotifications } from './notifications.js';
import { EscalationReminders, reminderText } from './reminders.js';

/** What people's notifications are made from: the daemon's parts, and the router as it is now. */
export interface NotifyWiring {
  bus: Bus;
  clock: Clock;
  store: Store;
  logger: Logger;
  /** The current router: a reload replaces it. */
  notifier(): NotifyRouter;
  /** `policy.remind_every`, as configured now. */
  remindEvery(): number;
}

export interface WiredNotifications {
  /** Sends the reminders of escalations already in the store and arms those to come. */
  start(): Promise<void>;
  /** Tells what a previous run left untold (a heal that began waiting for approval just before a crash). */
  catchUp(): Promise<void>;
  /** Unsubscribes all, in the order subscribed. */
  stop(): void;
}

/**
 * What the daemon tells people, subscribed at start: incidents opened, resolved and escalated, heals waiting
 * for approval or failed, and a reminder of every escalation until it ends.
 */
export function wireNotifications(w: NotifyWiring): WiredNotifications {
  const offIncidents = subscribeNotifications(w.bus, w.notifier, w.clock, w.store);
  const actionNotices = subscribeActionNotices({
    bus: w.bus,
    store: w.store,
    send: (n) => w.notifier().send(n),
    onError: (err) => w.logger.warn({ err: errorMessage(err) }, 'action notification failed'),
  });
  const reminders = new EscalationReminders({
    bus: w.bus,
    clock: w.clock,
    store: w.store,
    everyMs: w.remindEvery,
    send: async (incident, forMs) => {
      await w.notifier().send({
        event: 'incident.escalated',
        at: w.clock.now(),
        service: incident.service,
        title: `${incident.service}: still needs a human`,
        message: reminderText(incident, forMs),
        incidentId: incident.id,
        data: { severity: 'critical', reminder: true },
      });
    },
    onError: (err) => w.logger.warn({ err }, 'escalation reminder failed'),
  });
  return {
    start: () => reminders.start(),
    catchUp: () => actionNotices.catchUp(),
    stop: () => {
      offIncidents();
      actionNotices.off();
      reminders.stop();
    },
  };
}
