/** `playbooks.<name>`: when a heal runs, its steps, and how it is verified. */
import { z } from 'zod';
import { autonomy, duration, findingKind, name } from './common.js';
import { stepSchema } from './steps.js';

export const playbookSchema = z.strictObject({
  description: z.string().optional(),
  when: z.strictObject({
    service: z.union([name, z.literal('*')]).default('*'),
    kind: z.union([findingKind, z.array(findingKind)]).default('down'),
    /** The finding must have held this long before the playbook runs. */
    for: duration.default(0),
  }),
  steps: z.array(stepSchema).min(1, 'a playbook needs at least one step'),
  verify: z
    .strictObject({
      /** The service must be healthy again within this window. */
      within: duration.default(30_000),
      /** ... and stay healthy this long: a process that dies right after start is not healed. */
      stable_for: duration.default(1_000),
    })
    .default({ within: 30_000, stable_for: 1_000 }),
  autonomy: autonomy.optional(),
});

export type PlaybookConfig = z.output<typeof playbookSchema>;
