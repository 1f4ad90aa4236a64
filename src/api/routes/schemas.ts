/** Response shapes of the core types, for the OpenAPI document (DESIGN.md's types, as JSON). */
import { z } from 'zod';
import { ROLES } from '../tokens.js';

const json = z.record(z.string(), z.unknown());
const severity = z.enum(['info', 'warning', 'critical']);

export const incidentStates = [
  'open',
  'diagnosing',
  'remediating',
  'verifying',
  'resolved',
  'escalated',
  'suppressed',
] as const;

export const actionStates = [
  'planned',
  'awaiting_approval',
  'backed_up',
  'applied',
  'verified',
  'rolled_back',
  'failed',
  'skipped',
] as const;

export const findingKinds = ['down', 'degraded', 'anomaly', 'pattern', 'forecast', 'alert', 'abuse'] as const;

export const health = z.enum(['unknown', 'healthy', 'degraded', 'down']);

export const serviceStatus = z.object({
  name: z.string(),
  health,
  supervised: z.boolean(),
  pid: z.number().nullable(),
  checks: z.array(z.object({ name: z.string(), state: z.string() })),
  dependsOn: z.array(z.string()),
  /** Whether this replica runs the service's checks (with several replicas, each runs its share). */
  local: z.boolean(),
});

export const probeRecord = z.object({
  service: z.string(),
  check: z.string(),
  at: z.number(),
  result: z.object({
    ok: z.boolean(),
    degraded: z.boolean().optional(),
    latencyMs: z.number(),
    message: z.string(),
    details: json.optional(),
  }),
});

export const finding = z.object({
  id: z.string(),
  service: z.string(),
  check: z.string(),
  kind: z.enum(findingKinds),
  severity,
  score: z.number(),
  summary: z.string(),
  evidence: json,
  at: z.number(),
});

export const incident = z.object({
  id: z.string(),
  service: z.string(),
  state: z.enum(incidentStates),
  title: z.string(),
  severity,
  rootCause: z.string().nullable(),
  openedAt: z.number(),
  updatedAt: z.number(),
  resolvedAt: z.number().nullable(),
});

export const timelineEntry = z.object({
  id: z.number(),
  incidentId: z.string(),
  at: z.number(),
  kind: z.enum(['transition', 'finding', 'diagnosis', 'action', 'note']),
  state: z.enum(incidentStates).nullable(),
  message: z.string(),
  data: json,
});

export const action = z.object({
  id: z.string(),
  incidentId: z.string().nullable(),
  service: z.string(),
  playbook: z.string(),
  step: z.number(),
  kind: z.string(),
  params: json,
  state: z.enum(actionStates),
  dryRun: z.boolean(),
  reason: z.string(),
  createdAt: z.number(),
  updatedAt: z.number(),
});

export const journalEntry = z.object({
  id: z.number(),
  actionId: z.string(),
  at: z.number(),
  state: z.enum(actionStates),
  message: z.string(),
});

export const auditEntry = z.object({
  seq: z.number(),
  at: z.number(),
  actor: z.string(),
  event: z.string(),
  subject: z.string(),
  data: json,
  prevHash: z.string(),
  hash: z.string(),
});

export const tokenInfo = z.object({
  id: z.string(),
  name: z.string(),
  role: z.enum(ROLES),
  createdAt: z.number(),
  lastUsedAt: z.number().nullable(),
  revokedAt: z.number().nullable(),
  expiresAt: z.number().nullable(),
});

export const errorBody = z.object({ error: z.object({ code: z.string(), message: z.string() }) });
