/** `services.<name>.slo`: service-level objectives. */
import { z } from 'zod';
import { duration } from './common.js';

export const serviceSloSchema = z.strictObject({
  availability: z
    .number()
    .gt(0)
    .lt(1)
    .default(0.999)
    .describe('Share of probe results that must be good, e.g. 0.999.'),
  latency: z
    .strictObject({
      threshold: duration.describe('A probe answered faster than this is fast enough.'),
      objective: z
        .number()
        .gt(0)
        .lt(1)
        .default(0.99)
        .describe('Share of answered probes that must be fast enough.'),
    })
    .optional()
    .describe('Share of answered probes that must be faster than `threshold`.'),
  window: duration.default(30 * 86_400_000).describe('The rolling window the objective is measured over.'),
  cost_per_minute: z
    .number()
    .min(0)
    .default(0)
    .describe('What a minute of downtime costs (any currency), for `medic report`.'),
});

export type ServiceSloConfig = z.output<typeof serviceSloSchema>;
