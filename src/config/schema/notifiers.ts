/** `notifiers[]`: where people hear from Medic, and which notifications go there. */
import { z } from 'zod';
import { duration, name } from './common.js';

const CHANNELS = ['webhook', 'log', 'slack', 'pagerduty', 'email'] as const;

export const notificationEvent = z.enum([
  'incident.opened',
  'incident.resolved',
  'incident.escalated',
  'incident.flapping',
  /** Every action event below. */
  'action',
  'action.awaiting_approval',
  'action.expired',
  'action.failed',
]);

export const notifierSchema = z
  .strictObject({
    name: name
      .optional()
      .describe(
        "The notifier's name (default: its channel kind, suffixed by position when taken); playbooks route escalations by it.",
      ),
    webhook: z
      .strictObject({
        url: z.url().describe('The URL notifications are POSTed to.'),
        headers: z
          .record(z.string(), z.string())
          .default({})
          .describe('Extra request headers, name to value.'),
        timeout: duration
          .default(5_000)
          .describe('A request taking longer fails (and is retried from the outbox).'),
        secret: z
          .string()
          .min(1)
          .optional()
          .describe(
            'Signs each request. Medic sends `x-medic-timestamp: <epoch ms>` and `x-medic-signature: sha256=<hex>`, where hex is the HMAC-SHA256, keyed with this secret, of the timestamp, a dot and the raw body exactly as sent (`<timestamp>.<body>`), not of the body alone. A receiver recomputes it over the bytes it got, compares in constant time, and refuses an old timestamp (a captured request replayed later).',
          ),
      })
      .optional()
      .describe(
        'POST each notification as JSON to a URL. With `secret`, each request is signed (see `secret`).',
      ),
    log: z.strictObject({}).optional().describe("Write notifications to Medic's log (stderr)."),
    slack: z
      .strictObject({
        url: z
          .url()
          .describe(
            'The incoming-webhook URL (https://hooks.slack.com/services/…): a secret, never logged whole.',
          ),
        timeout: duration
          .default(5_000)
          .describe('A request taking longer fails (and is retried from the outbox).'),
      })
      .optional()
      .describe(
        'A Slack incoming webhook (Block Kit: headline, facts, what Medic did, what it waits for, a link).',
      ),
    pagerduty: z
      .strictObject({
        routing_key: z.string().min(1).describe('The PagerDuty integration (routing) key.'),
        base_url: z
          .url()
          .optional()
          .describe('The Events API base URL (default https://events.pagerduty.com).'),
        timeout: duration
          .default(5_000)
          .describe('A request taking longer fails (and is retried from the outbox).'),
      })
      .optional()
      .describe('PagerDuty Events API v2: escalations trigger, resolutions resolve, keyed by incident.'),
    email: z
      .strictObject({
        host: z.string().min(1).describe('The SMTP server.'),
        port: z.number().int().min(1).max(65535).default(587).describe('The SMTP port.'),
        secure: z
          .boolean()
          .optional()
          .describe('TLS from the first byte (port 465); default: true on 465, else STARTTLS when offered.'),
        require_tls: z.boolean().optional().describe('Refuse to send unless STARTTLS succeeds.'),
        user: z.string().optional().describe('SMTP user name.'),
        pass: z
          .string()
          .optional()
          .describe('SMTP password (redacted in logs; prefer a file readable by Medic alone).'),
        from: z.string().min(3).describe('The From address.'),
        to: z.array(z.string().min(3)).min(1).describe('Recipients.'),
        timeout: duration
          .default(10_000)
          .describe('A connection or send taking longer fails (and is retried from the outbox).'),
      })
      .optional()
      .describe('E-mail over SMTP (nodemailer): a plain-text and an HTML part.'),
    events: z
      .array(notificationEvent)
      .default([
        'incident.opened',
        'incident.resolved',
        'incident.escalated',
        'incident.flapping',
        'action.awaiting_approval',
        'action.expired',
      ])
      .describe(
        'Which events go to this notifier. By default the approval events too: a heal waiting for a human is as urgent as an escalation, and one nobody answered (expired) is a heal that never ran.',
      ),
    match: z
      .strictObject({
        services: z.array(name).optional().describe('Only notifications about these services.'),
        severity: z
          .enum(['info', 'warning', 'critical'])
          .optional()
          .describe('Only notifications at least this severe.'),
      })
      .optional()
      .describe('Only notifications matching every given field (services, minimum severity).'),
    /**
     * Alertmanager-like throttling per (service, event): the first waits `group_wait` and carries what else
     * arrived meanwhile; later ones wait `group_interval`; the same message again only after `repeat_interval`.
     */
    group_wait: duration
      .default(30_000)
      .describe(
        "How long a notice that can wait (an incident opened or resolved, flapping, an approval that expired) waits for others of its group (same notifier, event and service) before they go out as one message. Critical notices (an escalation, a heal waiting for approval, a failed step) never wait. 0 sends each at once. Alertmanager's default.",
      ),
    group_interval: duration
      .default(300_000)
      .describe(
        'After a group was sent, how long its next notices wait before going out together (a crash loop is one message every group_interval, not one per crash). Critical notices never wait.',
      ),
    repeat_interval: duration
      .optional()
      .describe(
        'When set, the very same notice (same event, service, incident, title and text) is not sent again within this time. Unset: never dropped (the outbox already sends each decision once). Critical notices are never dropped.',
      ),
    link_base: z.url().optional().describe('Dashboard base URL for links to incidents.'),
  })
  .superRefine((n, ctx) => {
    const kinds = CHANNELS.filter((k) => n[k] !== undefined);
    if (kinds.length !== 1)
      ctx.addIssue({ code: 'custom', message: `a notifier needs exactly one of ${CHANNELS.join(', ')}` });
  });

export type NotifierConfig = z.output<typeof notifierSchema>;

/**
 * The name each notifier goes by, in order: its `name`, else its channel kind (`slack`), else the kind and
 * its 0-based position in the list when that kind is taken (`[slack, slack]`: `slack`, `slack-1`). Playbooks
 * route escalations by these names.
 */
export function notifierNames(configs: readonly NotifierConfig[]): string[] {
  const taken = new Set<string>();
  return configs.map((c, i) => {
    const kind = CHANNELS.find((k) => c[k] !== undefined) ?? 'log';
    const name = c.name ?? (taken.has(kind) ? `${kind}-${i}` : kind);
    taken.add(name);
    return name;
  });
}
