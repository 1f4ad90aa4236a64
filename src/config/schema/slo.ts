/** `services.<name>.slo`: service-level objectives. */
import { z } from 'zod';
import { duration } from './common.js';

export const serviceSloSchema = z.strictObject({
  /** Share of probe results that must be good, e.g. 0.999. */
  availability: z.number().gt(0).lt(1).default(0.999),
  /** Share of answered probes that must be faster than `threshold`. */
  latency: z
    .strictObject({ threshold: duration, objective: z.number().gt(0).lt(1).default(0.99) })
    .optional(),
  window: duration.default(30 * 86_400_000),
  /** What a minute of downtime costs (any currency), for `medic report`. */
  cost_per_minute: z.number().min(0).default(0),
});

export type ServiceSloConfig = z.output<typeof serviceSloSchema>;
