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
    name: name.optional(),
    webhook: z
      .strictObject({
        url: z.url(),
        headers: z.record(z.string(), z.string()).default({}),
        timeout: duration.default(5_000),
        /** HMAC-SHA256 signing secret: `x-medic-signature` over `<timestamp>.<body>`. */
        secret: z.string().min(1).optional(),
      })
      .optional(),
    log: z.strictObject({}).optional(),
    slack: z.strictObject({ url: z.url(), timeout: duration.default(5_000) }).optional(),
    pagerduty: z
      .strictObject({
        routing_key: z.string().min(1),
        base_url: z.url().optional(),
        timeout: duration.default(5_000),
      })
      .optional(),
    email: z
      .strictObject({
        host: z.string().min(1),
        port: z.number().int().min(1).max(65535).default(587),
        secure: z.boolean().optional(),
        require_tls: z.boolean().optional(),
        user: z.string().optional(),
        pass: z.string().optional(),
        from: z.string().min(3),
        to: z.array(z.string().min(3)).min(1),
        timeout: duration.default(10_000),
      })
      .optional(),
    /**
     * Which events go to this notifier. By default the approval events too: a heal waiting for a human is
     * as urgent as an escalation, and one nobody answered (expired) is a heal that never ran.
     */
    events: z
      .array(notificationEvent)
      .default([
        'incident.opened',
        'incident.resolved',
        'incident.escalated',
        'incident.flapping',
        'action.awaiting_approval',
        'action.expired',
      ]),
    /** Only notifications matching every given field (services, minimum severity). */
    match: z
      .strictObject({
        services: z.array(name).optional(),
        severity: z.enum(['info', 'warning', 'critical']).optional(),
      })
      .optional(),
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
    /** Dashboard base URL for links to incidents. */
    link_base: z.url().optional(),
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
