/** Top-level `drift`: files kept as intended, reported (and put back) when changed behind Medic's back. */
import { z } from 'zod';
import { duration, name } from './common.js';

export const driftFileSchema = z.strictObject({
  path: z.string().min(1).describe('The watched file, relative to the config file.'),
  service: name.describe('The service the file configures: its drift opens an incident of that service.'),
  correct: z
    .boolean()
    .default(false)
    .describe(
      'Put the file back when it drifts, through a playbook triggered by `kind: drift` (docs/security.md); false: report only.',
    ),
});

export const driftSchema = z.strictObject({
  check_every: duration
    .default(30_000)
    .describe(
      'A full re-read of every watched file, besides the file-system events that report a change at once.',
    ),
  files: z
    .array(driftFileSchema)
    .default([])
    .describe(
      'The files whose intended content is their known good version (recorded when first seen, or after a verified heal).',
    ),
});

export type DriftConfig = z.output<typeof driftSchema>;
export type DriftFileConfig = z.output<typeof driftFileSchema>;

/** What a check across sections finds wrong: the path (from the root) and the message. */
export interface DriftIssue {
  path: (string | number)[];
  message: string;
}

/** A watched file names a known service, and `correct: true` has a playbook to correct with. */
export function driftCrossIssues(c: {
  drift: DriftConfig;
  services: Record<string, unknown>;
  playbooks: Record<string, { when: { service: string; kind: string | readonly string[] } }>;
}): DriftIssue[] {
  const out: DriftIssue[] = [];
  c.drift.files.forEach((f, i) => {
    if (!c.services[f.service]) {
      out.push({ path: ['drift', 'files', i, 'service'], message: `unknown service "${f.service}"` });
      return;
    }
    if (!f.correct) return;
    const covered = Object.values(c.playbooks).some((p) => {
      const kinds = typeof p.when.kind === 'string' ? [p.when.kind] : p.when.kind;
      return kinds.includes('drift') && (p.when.service === '*' || p.when.service === f.service);
    });
    if (!covered)
      out.push({
        path: ['drift', 'files', i, 'correct'],
        message: `no playbook triggers on kind: drift for service "${f.service}" (add one with a config_rollback step, see docs/security.md)`,
      });
  });
  return out;
}
