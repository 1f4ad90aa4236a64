/** `notifiers[]`: where people hear from Medic. */
import { z } from 'zod';
import { duration, name } from './common.js';

export const notifierSchema = z
  .strictObject({
    name: name.optional(),
    webhook: z
      .strictObject({
        url: z.url(),
        headers: z.record(z.string(), z.string()).default({}),
        timeout: duration.default(5_000),
      })
      .optional(),
    log: z.strictObject({}).optional(),
    /** Which events go to this notifier. */
    events: z
      .array(z.enum(['incident.opened', 'incident.resolved', 'incident.escalated', 'action']))
      .default(['incident.opened', 'incident.resolved', 'incident.escalated']),
  })
  .superRefine((n, ctx) => {
    const kinds = (['webhook', 'log'] as const).filter((k) => n[k] !== undefined);
    if (kinds.length !== 1)
      ctx.addIssue({ code: 'custom', message: 'a notifier needs exactly one of webhook, log' });
  });

export type NotifierConfig = z.output<typeof notifierSchema>;
