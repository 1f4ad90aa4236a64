import type { Logger } from 'pino';
import type { NotifierConfig } from '../config/index.js';
import { LogNotifier } from './log.js';
import type { Notification, NotificationEvent, Notifier } from './notifier.js';
import { redactDeep, redactSecrets } from './redact.js';
import { WebhookNotifier } from './webhook.js';

export interface SendResult {
  notifier: string;
  ok: boolean;
  /** Redacted error message when the channel failed. */
  error?: string;
}

interface Route {
  notifier: Notifier;
  events: ReadonlySet<NotificationEvent>;
}

/**
 * Fans a notification out to every notifier subscribed to its event. A failing channel is logged and reported
 * in the results, never thrown: telling people must not break the healing that triggered it.
 */
export class NotifyRouter {
  private readonly routes: Route[] = [];

  constructor(
    configs: readonly NotifierConfig[],
    private readonly logger: Logger,
  ) {
    const taken = new Set<string>();
    configs.forEach((c, i) => {
      const notifier = createNotifier(c, uniqueName(c, i, taken), logger);
      taken.add(notifier.name);
      this.add(notifier, c.events);
    });
  }

  /** Adds a channel built in code (a drill's recorder, a test double). */
  add(notifier: Notifier, events: readonly NotificationEvent[]): this {
    this.routes.push({ notifier, events: new Set(events) });
    return this;
  }

  names(): string[] {
    return this.routes.map((r) => r.notifier.name);
  }

  async send(n: Notification): Promise<SendResult[]> {
    const routes = this.routes.filter((r) => r.events.has(n.event));
    if (routes.length === 0) return [];
    const safe: Notification = {
      ...n,
      title: redactSecrets(n.title),
      message: redactSecrets(n.message),
      data: redactDeep(n.data),
    };
    return Promise.all(routes.map((r) => this.deliver(r.notifier, safe)));
  }

  private async deliver(notifier: Notifier, n: Notification): Promise<SendResult> {
    try {
      await notifier.send(n);
      return { notifier: notifier.name, ok: true };
    } catch (err) {
      const error = redactSecrets(err instanceof Error ? err.message : String(err));
      this.logger.error(
        { notifier: notifier.name, event: n.event, service: n.service, err: error },
        'notify failed',
      );
      return { notifier: notifier.name, ok: false, error };
    }
  }
}

export function createNotifier(c: NotifierConfig, name: string, logger: Logger): Notifier {
  if (c.webhook) {
    return new WebhookNotifier({
      name,
      url: c.webhook.url,
      headers: c.webhook.headers,
      timeoutMs: c.webhook.timeout,
    });
  }
  return new LogNotifier(logger, name);
}

/** The configured name, else the channel kind ("log", "webhook"), suffixed by position when taken. */
function uniqueName(c: NotifierConfig, index: number, taken: ReadonlySet<string>): string {
  if (c.name) return c.name;
  const kind = c.webhook ? 'webhook' : 'log';
  return taken.has(kind) ? `${kind}-${index}` : kind;
}
