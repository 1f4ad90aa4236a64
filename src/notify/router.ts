import type { Logger } from 'pino';
import { type NotifierConfig, notifierNames } from '../config/index.js';
import { type Clock, RealClock, type Severity, type TimerHandle } from '../core/index.js';
import { type ChannelOptionsMap, channelKindOf, createChannel } from './channels.js';
import { combine, groupKey, isCritical } from './group.js';
import type { Notification, NotificationEvent, Notifier } from './notifier.js';
import { redactDeep, redactSecrets } from './redact.js';

export interface SendResult {
  notifier: string;
  ok: boolean;
  /** Redacted error message when the channel failed. */
  error?: string;
  /** Waiting in a group (group_wait / group_interval). */
  deferred?: boolean;
  /** The same notification was sent less than repeat_interval ago. */
  dropped?: boolean;
  /** Written to the outbox: it is sent (and retried) from there. */
  queued?: boolean;
}

/** Where a routed notification goes when the router has one: the durable outbox (outbox.ts). */
export interface NotificationSink {
  enqueue(notifier: string, n: Notification): Promise<void>;
}

/** Which notifications a route takes beyond its events, and how it throttles them (all optional). */
export interface RoutePolicy {
  match?: { services?: readonly string[]; severity?: Severity };
  /** ms the first notification of a group waits for others to join it. */
  groupWait?: number;
  /** ms between two sends of the same group. */
  groupInterval?: number;
  /** ms before the very same notification (same incident, title and message) is sent again. */
  repeatInterval?: number;
}

interface Group {
  pending: Notification[];
  timer: TimerHandle | null;
  lastSent: number;
}

interface Route {
  notifier: Notifier;
  events: ReadonlySet<NotificationEvent>;
  policy: RoutePolicy;
  groups: Map<string, Group>;
  sentAt: Map<string, number>;
}

const RANK: Record<Severity, number> = { info: 0, warning: 1, critical: 2 };

/**
 * Fans a notification out to every notifier subscribed to its event. A failing channel is logged and reported
 * in the results, never thrown: telling people must not break the healing that triggered it.
 */
export class NotifyRouter {
  private readonly routes: Route[] = [];
  private readonly clock: Clock;
  private readonly sink: NotificationSink | undefined;

  constructor(
    configs: readonly NotifierConfig[],
    private readonly logger: Logger,
    opts: { clock?: Clock; sink?: NotificationSink } = {},
  ) {
    this.clock = opts.clock ?? new RealClock();
    this.sink = opts.sink;
    const names = notifierNames(configs);
    configs.forEach((c, i) => {
      const notifier = createNotifier(c, names[i]!, logger);
      this.add(notifier, c.events, {
        match: c.match,
        groupWait: c.group_wait,
        groupInterval: c.group_interval,
        repeatInterval: c.repeat_interval,
      });
    });
  }

  /** Adds a channel built in code (a drill's recorder, a test double). */
  add(notifier: Notifier, events: readonly NotificationEvent[], policy: RoutePolicy = {}): this {
    this.routes.push({ notifier, events: new Set(events), policy, groups: new Map(), sentAt: new Map() });
    return this;
  }

  /** Notifications remembered for repeat_interval, over every route (what the repeat maps hold). */
  remembered(): number {
    return this.routes.reduce((n, r) => n + r.sentAt.size, 0);
  }

  names(): string[] {
    return this.routes.map((r) => r.notifier.name);
  }

  /** The channel with this name (the outbox sends its rows through it). */
  channel(name: string): Notifier | undefined {
    return this.routes.find((r) => r.notifier.name === name)?.notifier;
  }

  /**
   * Sends to every route that takes the notification. Throttled routes answer `{ ok: true, deferred: true }`
   * when the notification waits in a group, or drop a repeat silently (`dropped: true`).
   */
  async send(n: Notification): Promise<SendResult[]> {
    let routes = this.routes.filter((r) => takes(r.events, n.event) && matches(r.policy, n));
    if (n.route !== undefined) {
      // A playbook named where its escalation goes: that notifier alone, whatever its events. A name no
      // notifier has (the config changed under a running heal) must not lose the escalation.
      const named = this.routes.filter((r) => r.notifier.name === n.route);
      if (named.length > 0) routes = named;
      else this.logger.warn({ route: n.route }, 'no notifier has this name: sent to every subscribed one');
    }
    if (routes.length === 0) return [];
    const safe: Notification = {
      ...n,
      title: redactSecrets(n.title),
      message: redactSecrets(n.message),
      data: redactDeep(n.data),
    };
    return Promise.all(routes.map((r) => this.route(r, safe)));
  }

  /** Cancels group timers (pending groups are dropped). */
  close(): void {
    for (const r of this.routes) {
      for (const g of r.groups.values()) this.clock.clearTimeout(g.timer ?? undefined);
      r.groups.clear();
    }
  }

  private async route(r: Route, n: Notification): Promise<SendResult> {
    // A notice that asks a human to act now goes at once, and is never taken for a repeat.
    if (isCritical(n)) return this.deliver(r.notifier, n);
    const now = this.clock.now();
    const repeatKey = `${n.event}|${n.service}|${n.incidentId ?? ''}|${n.title}|${n.message}`;
    const repeat = r.policy.repeatInterval;
    if (repeat !== undefined) {
      forgetOlder(r.sentAt, now - repeat);
      if (r.sentAt.has(repeatKey)) return { notifier: r.notifier.name, ok: true, dropped: true };
      r.sentAt.set(repeatKey, now);
    }
    const wait = r.policy.groupWait ?? 0;
    const interval = r.policy.groupInterval ?? 0;
    if (wait === 0 && interval === 0) return this.deliver(r.notifier, n);
    if (this.sink) {
      // Stored now, grouped by the outbox when due: a stop or crash meanwhile delays the notice, never loses it.
      const res = await this.deliver(r.notifier, {
        ...n,
        group: { key: groupKey(n), waitMs: wait, intervalMs: interval },
      });
      return res.queued ? { ...res, deferred: true } : res;
    }
    const key = groupKey(n);
    const g = r.groups.get(key) ?? { pending: [], timer: null, lastSent: Number.NEGATIVE_INFINITY };
    r.groups.set(key, g);
    g.pending.push(n);
    if (!g.timer) {
      const due = g.lastSent === Number.NEGATIVE_INFINITY ? now + wait : Math.max(now, g.lastSent + interval);
      g.timer = this.clock.setTimeout(() => {
        g.timer = null;
        g.lastSent = this.clock.now();
        const batch = g.pending.splice(0);
        if (batch.length > 0) void this.deliver(r.notifier, combine(batch));
      }, due - now);
    }
    return { notifier: r.notifier.name, ok: true, deferred: true };
  }

  private async deliver(notifier: Notifier, n: Notification): Promise<SendResult> {
    try {
      if (this.sink) {
        const stored = await this.sink.enqueue(notifier.name, n).then(
          () => true,
          (err: unknown) => {
            // The store refused: send it now, once, rather than not at all.
            this.logger.error(
              { notifier: notifier.name, err: redactSecrets(String(err)) },
              'outbox write failed',
            );
            return false;
          },
        );
        if (stored) return { notifier: notifier.name, ok: true, queued: true };
      }
      const { group: _group, ...plain } = n;
      await notifier.send(plain);
      return { notifier: notifier.name, ok: true };
    } catch (err) {
      const error = redactSecrets(err instanceof Error ? err.message : String(err));
      this.logger.error(
        { notifier: notifier.name, event: n.event, service: n.service, err: error },
        'notify failed',
      );
      return { notifier: notifier.name, ok: false, error };
    }
  }
}

export function createNotifier(c: NotifierConfig, name: string, logger: Logger): Notifier {
  const kind = channelKindOf(c as unknown as Record<string, unknown>) ?? 'log';
  const options = (c as unknown as Record<string, unknown>)[kind] as ChannelOptionsMap[typeof kind];
  return createChannel(kind, options, { name, logger, linkBase: c.link_base });
}

/**
 * Forgets the sends at or before `before`: they can no longer make a repeat. Entries are set once per
 * interval and never updated, so the map is in time order and only its oldest end is read.
 */
function forgetOlder(sentAt: Map<string, number>, before: number): void {
  for (const [key, at] of sentAt) {
    if (at > before) return;
    sentAt.delete(key);
  }
}

/** `action` subscribes to every action event (`action.failed`, …): the schema's one word for all of them. */
function takes(events: ReadonlySet<NotificationEvent>, event: NotificationEvent): boolean {
  return events.has(event) || (event.startsWith('action.') && events.has('action'));
}

function matches(p: RoutePolicy, n: Notification): boolean {
  if (p.match?.services && !p.match.services.includes(n.service)) return false;
  const sev = n.data['severity'];
  if (p.match?.severity && typeof sev === 'string' && sev in RANK) {
    if (RANK[sev as Severity] < RANK[p.match.severity]) return false;
  }
  return true;
}

/** The configured name, else the channel kind ("log", "slack"), suffixed by position when taken. */
