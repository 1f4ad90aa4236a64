/** `playbooks.<name>.steps[]`: one remediation step each. */
import { z } from 'zod';
import { argv, duration, envMap, name } from './common.js';

const stepCommon = {
  timeout: duration.default(30_000),
};

export const stepSchema = z
  .strictObject({
    ...stepCommon,
    restart: z.strictObject({ service: name.optional() }).optional(),
    exec: z.strictObject({ command: argv, cwd: z.string().optional(), env: envMap.default({}) }).optional(),
    http: z
      .strictObject({
        url: z.url(),
        method: z.enum(['GET', 'POST', 'PUT', 'DELETE']).default('POST'),
        headers: z.record(z.string(), z.string()).default({}),
        body: z.string().optional(),
        status: z.union([z.number().int(), z.array(z.number().int())]).optional(),
      })
      .optional(),
  })
  .superRefine((s, ctx) => {
    const kinds = (['restart', 'exec', 'http'] as const).filter((k) => s[k] !== undefined);
    if (kinds.length !== 1) {
      ctx.addIssue({ code: 'custom', message: 'a step needs exactly one of restart, exec, http' });
    }
  });

export type StepConfig = z.output<typeof stepSchema>;
