import type { Logger } from 'pino';
import type { Notification, Notifier } from './notifier.js';

/** Notifications as structured log lines: the default channel, and the one that works with no setup. */
export class LogNotifier implements Notifier {
  constructor(
    private readonly logger: Logger,
    readonly name = 'log',
  ) {}

  async send(n: Notification): Promise<void> {
    const fields = {
      notifier: this.name,
      event: n.event,
      service: n.service,
      incidentId: n.incidentId,
      data: n.data,
    };
    const text = n.message ? `${n.title}: ${n.message}` : n.title;
    if (n.event === 'incident.escalated') this.logger.warn(fields, text);
    else this.logger.info(fields, text);
  }
}
