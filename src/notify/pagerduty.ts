import { messageParts } from './format.js';
import { postJson } from './http.js';
import type { Notification, Notifier } from './notifier.js';

export interface PagerDutyOptions {
  name: string;
  /** The integration's routing key (Events API v2): a secret. */
  routingKey: string;
  timeoutMs: number;
  /** Default https://events.pagerduty.com; tests and EU accounts set their own. */
  baseUrl?: string;
  linkBase?: string;
}

type PdSeverity = 'critical' | 'error' | 'warning' | 'info';

/**
 * PagerDuty Events API v2: an incident opens or escalates as `trigger`, resolves as `resolve`, with the
 * Medic incident id as dedup_key so PagerDuty keeps one alert per incident however often Medic speaks.
 * Action notices are not sent: a trigger would re-open a PagerDuty alert a human may have just resolved.
 */
export class PagerDutyNotifier implements Notifier {
  readonly name: string;

  constructor(private readonly opts: PagerDutyOptions) {
    this.name = opts.name;
  }

  async send(n: Notification, signal?: AbortSignal): Promise<void> {
    const event = pagerDutyEvent(n, this.opts.routingKey, this.opts.linkBase);
    if (!event) return;
    const url = `${(this.opts.baseUrl ?? 'https://events.pagerduty.com').replace(/\/+$/, '')}/v2/enqueue`;
    const answer = await postJson(url, JSON.stringify(event), {
      label: `pagerduty ${this.name}`,
      timeoutMs: this.opts.timeoutMs,
      signal,
    });
    // 202 {"status":"success"}; anything else in a 2xx is not an accepted event.
    const status = safeJson(answer.body)?.['status'];
    if (answer.status !== 202 || status !== 'success') {
      throw new Error(
        `pagerduty ${this.name}: not accepted (HTTP ${answer.status}: ${answer.body.slice(0, 200)})`,
      );
    }
  }
}

export function pagerDutyEvent(
  n: Notification,
  routingKey: string,
  linkBase?: string,
): Record<string, unknown> | null {
  if (n.event === 'action') return null;
  const dedupKey = n.incidentId ?? `medic-${n.service}`;
  if (n.event === 'incident.resolved') {
    return { routing_key: routingKey, event_action: 'resolve', dedup_key: dedupKey };
  }
  const p = messageParts(n, linkBase);
  const event: Record<string, unknown> = {
    routing_key: routingKey,
    event_action: 'trigger',
    dedup_key: dedupKey,
    payload: {
      summary: clip(`${p.headline}: ${p.what}`, 1024),
      source: n.service,
      severity: severity(n),
      timestamp: p.at,
      component: n.service,
      class: typeof n.data['cause'] === 'string' ? n.data['cause'] : n.event,
      custom_details: {
        what_happened: p.what,
        what_medic_did: p.did,
        waiting_for: p.waitingFor,
        ...Object.fromEntries(p.facts),
      },
    },
    client: 'Medic',
  };
  if (p.link) {
    event['client_url'] = p.link;
    event['links'] = [
      { href: p.link, text: p.linkText === 'Open incident' ? 'Medic incident' : `Medic: ${p.linkText}` },
    ];
  }
  return event;
}

function severity(n: Notification): PdSeverity {
  if (n.event === 'incident.escalated') return 'critical';
  const s = n.data['severity'];
  if (s === 'critical') return 'critical';
  if (s === 'warning') return 'warning';
  if (s === 'info') return 'info';
  return 'error';
}

function safeJson(text: string): Record<string, unknown> | null {
  try {
    return JSON.parse(text) as Record<string, unknown>;
  } catch {
    return null;
  }
}

function clip(s: string, max: number): string {
  return s.length > max ? `${s.slice(0, max - 1)}…` : s;
}
