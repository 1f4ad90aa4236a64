/** Building blocks shared by every section of medic.yaml. */
import { z } from 'zod';
import { parseDuration } from '../../core/index.js';

/** A duration written as "500ms", "2s", "5m" or a number of milliseconds; parsed to milliseconds. */
export const duration = z
  .union([z.string(), z.number()])
  .transform((v, ctx) => {
    try {
      return parseDuration(v);
    } catch (err) {
      ctx.addIssue({ code: 'custom', message: (err as Error).message });
      return z.NEVER;
    }
  })
  // The JSON Schema says what the string means; docs/configuration.md shows such keys as durations.
  .meta({ format: 'duration' });

// An argument may be empty (`[redis-server, --save, ""]` turns snapshots off); the program may not.
export const argv = z
  .array(z.string())
  .min(1, 'must name a program')
  .refine((a) => a[0] !== '', { message: 'must name a program', path: [0] });
export const envMap = z.record(z.string(), z.string());
export const name = z.string().regex(/^[a-zA-Z0-9][a-zA-Z0-9_.-]*$/, 'letters, digits, _ . - only');

export const autonomy = z.enum(['observe', 'suggest', 'approve', 'auto']);

export const findingKind = z.enum([
  'down',
  'degraded',
  'anomaly',
  'pattern',
  'forecast',
  'alert',
  'abuse',
  'drift',
  'vulnerable',
]);

export type Autonomy = z.output<typeof autonomy>;
