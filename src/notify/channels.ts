import type { Logger } from 'pino';
import { EmailNotifier } from './email.js';
import { LogNotifier } from './log.js';
import type { Notifier } from './notifier.js';
import { PagerDutyNotifier } from './pagerduty.js';
import { SlackNotifier } from './slack.js';
import { WebhookNotifier } from './webhook.js';

/**
 * Channel options as they appear in medic.yaml under a notifier (snake_case, durations already in ms), so the
 * router passes the parsed config block straight through. One entry per channel kind.
 */
export interface ChannelOptionsMap {
  log: Record<string, never>;
  webhook: { url: string; headers?: Record<string, string>; timeout: number; secret?: string };
  slack: { url: string; timeout: number };
  pagerduty: { routing_key: string; base_url?: string; timeout: number };
  email: {
    host: string;
    port: number;
    secure?: boolean;
    require_tls?: boolean;
    user?: string;
    pass?: string;
    from: string;
    to: string[];
    timeout: number;
  };
}

export type ChannelKind = keyof ChannelOptionsMap;

export const CHANNEL_KINDS: readonly ChannelKind[] = ['log', 'webhook', 'slack', 'pagerduty', 'email'];

export interface ChannelContext {
  name: string;
  logger: Logger;
  /** Dashboard base URL for links to incidents (e.g. http://medic.internal:7070). */
  linkBase?: string;
}

/** Builds one channel: adding a kind is a file, an entry in ChannelOptionsMap and a case here. */
export function createChannel<K extends ChannelKind>(
  kind: K,
  options: ChannelOptionsMap[K],
  ctx: ChannelContext,
): Notifier {
  const o = options as ChannelOptionsMap[ChannelKind];
  switch (kind) {
    case 'log':
      return new LogNotifier(ctx.logger, ctx.name);
    case 'webhook': {
      const w = o as ChannelOptionsMap['webhook'];
      return new WebhookNotifier({
        name: ctx.name,
        url: w.url,
        headers: w.headers,
        timeoutMs: w.timeout,
        secret: w.secret,
      });
    }
    case 'slack': {
      const s = o as ChannelOptionsMap['slack'];
      return new SlackNotifier({ name: ctx.name, url: s.url, timeoutMs: s.timeout, linkBase: ctx.linkBase });
    }
    case 'pagerduty': {
      const p = o as ChannelOptionsMap['pagerduty'];
      return new PagerDutyNotifier({
        name: ctx.name,
        routingKey: p.routing_key,
        baseUrl: p.base_url,
        timeoutMs: p.timeout,
        linkBase: ctx.linkBase,
      });
    }
    case 'email': {
      const e = o as ChannelOptionsMap['email'];
      return new EmailNotifier({
        name: ctx.name,
        host: e.host,
        port: e.port,
        secure: e.secure,
        requireTLS: e.require_tls,
        auth: e.user !== undefined ? { user: e.user, pass: e.pass ?? '' } : undefined,
        from: e.from,
        to: e.to,
        timeoutMs: e.timeout,
        linkBase: ctx.linkBase,
        logger: ctx.logger,
      });
    }
    default:
      throw new Error(`unknown notifier kind "${String(kind)}" (known: ${CHANNEL_KINDS.join(', ')})`);
  }
}

/** The one kind a notifier config block names (`{ slack: {...}, events: [...] }` → 'slack'). */
export function channelKindOf(config: Readonly<Record<string, unknown>>): ChannelKind | null {
  const kinds = CHANNEL_KINDS.filter((k) => config[k] !== undefined);
  return kinds.length === 1 ? kinds[0]! : null;
}
