import type { Notification, NotificationEvent } from './notifier.js';

/**
 * The parts every channel renders, so each says the same thing in plain words: what happened, what Medic
 * did, what it is waiting for, and where the incident is. Producers put these in `data`: `cause` (the
 * diagnosed cause, `process_crashed`, never a service's name) and `confidence` (0..1), `rootService` (the
 * service the trouble comes from, when another), `did` (string or list of strings) and `waitingFor`
 * (string); the link comes from the channel's `linkBase`.
 */
export interface MessageParts {
  headline: string;
  what: string;
  did: string[];
  waitingFor: string | null;
  link: string | null;
  /** What the link is for, as a button or sentence says it: "Open incident", "Approve or reject". */
  linkText: string;
  facts: [label: string, value: string][];
  at: string;
}

const EVENT_WORDS: Record<NotificationEvent, string> = {
  'incident.opened': 'incident opened',
  'incident.resolved': 'incident resolved',
  'incident.escalated': 'needs a human',
  'incident.flapping': 'flapping: heals slowed down',
  action: 'action taken',
  'action.awaiting_approval': 'waits for approval',
  'action.expired': 'approval expired',
  'action.failed': 'action failed',
};

export function messageParts(n: Notification, linkBase?: string): MessageParts {
  const did = n.data['did'];
  const waiting = n.data['waitingFor'];
  const facts: [string, string][] = [
    ['Service', n.service],
    ['Event', EVENT_WORDS[n.event]],
  ];
  if (typeof n.data['severity'] === 'string') facts.push(['Severity', n.data['severity']]);
  const cause = causeText(n.data);
  if (cause) facts.push(['Cause', cause]);
  const root = n.data['rootService'];
  if (typeof root === 'string' && root !== n.service) facts.push(['Root cause in', root]);
  if (n.incidentId) facts.push(['Incident', n.incidentId]);
  return {
    headline: n.title,
    what: n.message,
    did: Array.isArray(did) ? did.map(String) : typeof did === 'string' ? [did] : [],
    waitingFor: typeof waiting === 'string' ? waiting : null,
    link: linkOf(n, linkBase),
    linkText: n.event === 'action.awaiting_approval' ? 'Approve or reject' : 'Open incident',
    facts,
    at: new Date(n.at).toISOString(),
  };
}

/** `process_crashed (confidence 0.92)`; `not diagnosed yet` when the producer says so (`cause: null`). */
function causeText(data: Record<string, unknown>): string | null {
  const cause = data['cause'];
  if (cause === null) return 'not diagnosed yet';
  if (typeof cause !== 'string') return null;
  const c = data['confidence'];
  return typeof c === 'number' && Number.isFinite(c) ? `${cause} (confidence ${c.toFixed(2)})` : cause;
}

/** A heal waiting for approval links to where it is approved; anything else to its incident. */
function linkOf(n: Notification, linkBase: string | undefined): string | null {
  if (!linkBase) return null;
  const approve = n.data['approve'] as { actionId?: unknown } | undefined;
  if (n.event === 'action.awaiting_approval' && typeof approve?.actionId === 'string')
    return approvalLink(linkBase, approve.actionId);
  return n.incidentId ? incidentLink(linkBase, n.incidentId) : null;
}

/** The dashboard's actions page, where a waiting heal has its approve and reject buttons. */
export function approvalLink(base: string, actionId: string): string {
  return `${base.replace(/\/+$/, '')}/#/actions?approve=${encodeURIComponent(actionId)}`;
}

export function incidentLink(base: string, incidentId: string): string {
  return `${base.replace(/\/+$/, '')}/incidents/${encodeURIComponent(incidentId)}`;
}

/** The message as plain text: an e-mail body, a fallback for clients that show no rich layout. */
export function plainText(p: MessageParts): string {
  const lines = [p.headline, '', p.what];
  if (p.did.length > 0) lines.push('', 'What Medic did:', ...p.did.map((d) => `- ${d}`));
  if (p.waitingFor) lines.push('', `Waiting for: ${p.waitingFor}`);
  lines.push('', ...p.facts.map(([k, v]) => `${k}: ${v}`), `At: ${p.at}`);
  if (p.link)
    lines.push('', `${p.linkText === 'Open incident' ? 'Open the incident' : p.linkText}: ${p.link}`);
  return lines.join('\n');
}
