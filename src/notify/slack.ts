import { type MessageParts, messageParts } from './format.js';
import { postJson } from './http.js';
import type { Notification, Notifier } from './notifier.js';

export interface SlackOptions {
  name: string;
  /** The incoming-webhook URL (https://hooks.slack.com/services/…): a secret, never logged whole. */
  url: string;
  timeoutMs: number;
  /** Dashboard base URL for the "Open incident" button. */
  linkBase?: string;
}

/** Slack incoming webhook with Block Kit: header, what happened, facts, what Medic did, what it waits for. */
export class SlackNotifier implements Notifier {
  readonly name: string;

  constructor(private readonly opts: SlackOptions) {
    this.name = opts.name;
  }

  async send(n: Notification, signal?: AbortSignal): Promise<void> {
    const body = JSON.stringify(slackMessage(messageParts(n, this.opts.linkBase), n.at));
    await postJson(this.opts.url, body, {
      label: `slack ${this.name}`,
      timeoutMs: this.opts.timeoutMs,
      signal,
    });
  }
}

type Block = Record<string, unknown>;

/** Block Kit limits: header text 150 characters, section text 3000, field 2000, 10 fields. */
export function slackMessage(p: MessageParts, at: number): { text: string; blocks: Block[] } {
  const blocks: Block[] = [
    { type: 'header', text: { type: 'plain_text', text: clip(p.headline, 150), emoji: true } },
  ];
  if (p.what) blocks.push(section(escapeMrkdwn(p.what)));
  blocks.push({
    type: 'section',
    fields: p.facts
      .slice(0, 10)
      .map(([k, v]) => ({ type: 'mrkdwn', text: clip(`*${k}*\n${escapeMrkdwn(v)}`, 2000) })),
  });
  if (p.did.length > 0)
    blocks.push(section(`*What Medic did*\n${p.did.map((d) => `• ${escapeMrkdwn(d)}`).join('\n')}`));
  if (p.waitingFor) blocks.push(section(`*Waiting for*\n${escapeMrkdwn(p.waitingFor)}`));
  if (p.link) {
    blocks.push({
      type: 'actions',
      elements: [{ type: 'button', text: { type: 'plain_text', text: p.linkText }, url: p.link }],
    });
  }
  // Slack renders the time in each reader's own time zone; the ISO text is the fallback.
  const when = `<!date^${Math.floor(at / 1000)}^{date_short_pretty} {time_secs}|${p.at}>`;
  blocks.push({ type: 'context', elements: [{ type: 'mrkdwn', text: `Medic · ${when}` }] });
  // `text` is what notifications and screen readers show.
  return { text: clip(p.what ? `${p.headline}: ${p.what}` : p.headline, 3000), blocks };
}

function section(text: string): Block {
  return { type: 'section', text: { type: 'mrkdwn', text: clip(text, 3000) } };
}

/** Slack's three control characters in mrkdwn; anything else passes. */
function escapeMrkdwn(s: string): string {
  return s.replace(/&/g, '&amp;').replace(/</g, '&lt;').replace(/>/g, '&gt;');
}

function clip(s: string, max: number): string {
  return s.length > max ? `${s.slice(0, max - 1)}…` : s;
}
