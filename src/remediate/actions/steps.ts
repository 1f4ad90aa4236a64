/**
 * The step kinds' zod schemas, now part of src/config/schema/steps.ts: re-exported here so the actions parse
 * their own parameters with them (defaults and bounds hold whichever way a step arrives; parsing an already
 * parsed step is a no-op).
 */
import type { z } from 'zod';
import {
  blockStep,
  configRollbackStep,
  dockerStep,
  fileStep,
  kubernetesStep,
  notifyStep,
  pm2Step,
  type StepConfig,
  scaleStep,
  systemdStep,
  unblockStep,
  waitStep,
} from '../../config/index.js';
import { ActionError } from '../../core/index.js';

export {
  blockStep,
  configRollbackStep,
  dockerStep,
  fileStep,
  kubernetesStep,
  notifyStep,
  pm2Step,
  scaleStep,
  systemdStep,
  unblockStep,
  waitStep,
};

export type SystemdStep = z.output<typeof systemdStep>;
export type DockerStep = z.output<typeof dockerStep>;
export type KubernetesStep = z.output<typeof kubernetesStep>;
export type Pm2Step = z.output<typeof pm2Step>;
export type FileStep = z.output<typeof fileStep>;
export type ConfigRollbackStep = z.output<typeof configRollbackStep>;
export type ScaleStep = z.output<typeof scaleStep>;
export type WaitStep = z.output<typeof waitStep>;
export type NotifyStep = z.output<typeof notifyStep>;

/** A configured step (kept as a name: the actions were written against it before the schema merge). */
export type ExtendedStep = StepConfig;

/** Parses one step key with its schema, reporting problems as an ActionError-friendly message. */
export function parseStep<T extends z.ZodType>(schema: T, value: unknown, key: string): z.output<T> {
  if (value === undefined) throw new ActionError(`${key} step without ${key}`);
  const r = schema.safeParse(value);
  if (!r.success) {
    const msg = r.error.issues
      .map((i) => (i.path.length ? `${i.path.join('.')}: ${i.message}` : i.message))
      .join('; ');
    throw new ActionError(`${key}: ${msg}`);
  }
  return r.data;
}
