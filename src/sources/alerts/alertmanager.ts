import { z } from 'zod';
import type { Finding, Severity } from '../../core/index.js';
import { newId } from '../../core/index.js';

/**
 * Alertmanager's webhook payload, version 4 (https://prometheus.io/docs/alerting/latest/configuration/#webhook_config).
 * Objects are not strict: Alertmanager adds fields over releases, and a receiver that rejects them would
 * break on an upgrade. What Medic reads is checked; the rest passes unread.
 */
const labelSet = z.record(z.string(), z.string());
const rfc3339 = z.iso.datetime({ offset: true, precision: undefined, local: false });

export const alertSchema = z.object({
  status: z.enum(['firing', 'resolved']),
  labels: labelSet,
  annotations: labelSet.default({}),
  startsAt: rfc3339,
  /** "0001-01-01T00:00:00Z" while firing with no known end. */
  endsAt: rfc3339.optional(),
  generatorURL: z.string().default(''),
  fingerprint: z.string().min(1),
});

export const alertmanagerPayloadSchema = z.object({
  version: z.literal('4', { error: 'unsupported payload version (Medic reads version "4")' }),
  groupKey: z.string(),
  truncatedAlerts: z.number().int().min(0).default(0),
  status: z.enum(['firing', 'resolved']),
  receiver: z.string(),
  groupLabels: labelSet.default({}),
  commonLabels: labelSet.default({}),
  commonAnnotations: labelSet.default({}),
  externalURL: z.string().default(''),
  alerts: z.array(alertSchema),
});

export type AlertmanagerAlert = z.output<typeof alertSchema>;
export type AlertmanagerPayload = z.output<typeof alertmanagerPayloadSchema>;

/** A 4xx answer for the HTTP route: status, and a message naming each offending field. */
export interface PayloadError {
  status: 400 | 422;
  error: string;
  issues: { path: string; message: string }[];
}

export type ParseResult = { ok: true; payload: AlertmanagerPayload } | { ok: false; error: PayloadError };

/** Validates a decoded JSON body. 400: not the payload shape; 422: the shape, but a version Medic does not read. */
export function parseAlertmanagerPayload(body: unknown): ParseResult {
  if (body === null || typeof body !== 'object' || Array.isArray(body)) {
    return {
      ok: false,
      error: {
        status: 400,
        error: 'body must be a JSON object',
        issues: [{ path: '', message: 'expected object' }],
      },
    };
  }
  const parsed = alertmanagerPayloadSchema.safeParse(body);
  if (parsed.success) return { ok: true, payload: parsed.data };
  const issues = parsed.error.issues.map((i) => ({ path: i.path.map(String).join('.'), message: i.message }));
  const versionOnly = issues.every((i) => i.path === 'version') && 'version' in body;
  return {
    ok: false,
    error: {
      status: versionOnly ? 422 : 400,
      error: `invalid Alertmanager payload: ${issues.map((i) => `${i.path || '(body)'}: ${i.message}`).join('; ')}`,
      issues,
    },
  };
}

export interface AlertMappingOptions {
  /** Labels that may name the service, first present wins (default service, job, app). */
  serviceLabels?: readonly string[];
  /** Known services: an alert naming another is reported unmapped instead of opening a stray incident. */
  services?: ReadonlySet<string>;
  /** Used when an alert carries no parsable time (never, for a valid payload). */
  now: number;
}

/** A resolved alert: closes what the firing one opened (same service and check). */
export interface AlertResolution {
  service: string;
  check: string;
  fingerprint: string;
  alertname: string;
  at: number;
}

export interface AlertMapping {
  findings: Finding[];
  resolutions: AlertResolution[];
  unmapped: { fingerprint: string; alertname: string; reason: string }[];
}

/** Alertmanager's zero time: a firing alert whose end is not known. */
const ZERO_TIME = '0001-01-01T00:00:00Z';

/**
 * Turns each alert into a finding of kind `alert` (firing) or a resolution (resolved). The check is
 * `alert:<alertname>`, so repeats of one alert (Alertmanager re-sends every repeat_interval) land on one check
 * and the correlator merges them as duplicates.
 */
export function mapAlerts(payload: AlertmanagerPayload, opts: AlertMappingOptions): AlertMapping {
  const labels = opts.serviceLabels ?? ['service', 'job', 'app'];
  const out: AlertMapping = { findings: [], resolutions: [], unmapped: [] };
  for (const a of payload.alerts) {
    const alertname = a.labels['alertname'] ?? 'unnamed';
    const label = labels.find((l) => a.labels[l]);
    const service = label ? a.labels[label]! : undefined;
    if (!service) {
      out.unmapped.push({
        fingerprint: a.fingerprint,
        alertname,
        reason: `no label among ${labels.join(', ')}`,
      });
      continue;
    }
    if (opts.services && !opts.services.has(service)) {
      out.unmapped.push({
        fingerprint: a.fingerprint,
        alertname,
        reason: `${label}="${service}" is not a configured service`,
      });
      continue;
    }
    const check = `alert:${alertname}`;
    if (a.status === 'resolved') {
      const ended = a.endsAt && a.endsAt !== ZERO_TIME ? Date.parse(a.endsAt) : Number.NaN;
      out.resolutions.push({
        service,
        check,
        fingerprint: a.fingerprint,
        alertname,
        at: Number.isFinite(ended) ? ended : opts.now,
      });
      continue;
    }
    const started = Date.parse(a.startsAt);
    out.findings.push({
      id: newId('fnd'),
      service,
      check,
      kind: 'alert',
      severity: severityOf(a.labels['severity']),
      score: 1,
      summary:
        a.annotations['summary'] ?? a.annotations['description'] ?? `${alertname} firing on ${service}`,
      evidence: {
        source: 'alertmanager',
        alertname,
        fingerprint: a.fingerprint,
        labels: a.labels,
        annotations: a.annotations,
        startsAt: a.startsAt,
        generatorURL: a.generatorURL,
        receiver: payload.receiver,
        groupKey: payload.groupKey,
      },
      at: Number.isFinite(started) ? started : opts.now,
    });
  }
  return out;
}

/** Prometheus rules' customary severity labels; anything else counts as a warning. */
function severityOf(label: string | undefined): Severity {
  switch (label?.toLowerCase()) {
    case 'critical':
    case 'page':
    case 'error':
      return 'critical';
    case 'info':
    case 'none':
      return 'info';
    default:
      return 'warning';
  }
}
