/**
 * Live events over SSE (`GET /api/events`): every new finding, incident change, action change and health change
 * from the bus, each with an increasing id. A client that reconnects with Last-Event-ID gets what it missed
 * while the events are still in the replay buffer; when they are not (or the daemon restarted), it gets a
 * `reset` event and should reload what it shows. Comments every `heartbeatMs` keep proxies from closing the
 * stream. The number of streams is capped, and each stream is re-authorised every `recheckMs` (and at once on
 * revocation through the API): a revoked token's stream ends.
 */
import type { ServerResponse } from 'node:http';
import type { Bus } from '../core/index.js';

export type LiveEventType = 'finding' | 'incident' | 'action' | 'health';

export interface LiveEvent {
  id: number;
  type: LiveEventType;
  data: unknown;
}

export interface EventHubOptions {
  heartbeatMs?: number;
  /** Events kept for Last-Event-ID replay. */
  replay?: number;
  /** Streams open at once; beyond it a new one is refused. Default 100. */
  maxClients?: number;
  /** How often each stream's right to continue is checked. Default 5 s. */
  recheckMs?: number;
}

/** Whether a stream may go on (its token is still live); a stream without one is never re-checked. */
export type StillAllowed = () => Promise<boolean>;

export class EventHub {
  private readonly buffer: LiveEvent[] = [];
  private readonly clients = new Map<ServerResponse, StillAllowed | undefined>();
  private readonly offs: (() => void)[];
  private readonly timer: NodeJS.Timeout;
  private readonly recheckTimer: NodeJS.Timeout;
  readonly maxClients: number;
  private nextId = 1;
  /** Distinguishes this daemon's ids from a previous run's: a stale Last-Event-ID then means `reset`. */
  readonly epoch = Date.now().toString(36);
  private readonly replay: number;
  /** Counts for /metrics. */
  sent = 0;

  constructor(bus: Bus, o: EventHubOptions = {}) {
    this.replay = o.replay ?? 1000;
    this.offs = [
      bus.on('finding', (f) => this.publish('finding', f)),
      bus.on('incident', (e) => this.publish('incident', e)),
      bus.on('action', (a) => this.publish('action', a)),
      bus.on('health', (h) => this.publish('health', h)),
    ];
    this.timer = setInterval(() => this.heartbeat(), o.heartbeatMs ?? 15_000);
    this.timer.unref();
    this.maxClients = o.maxClients ?? 100;
    this.recheckTimer = setInterval(() => void this.revalidate(), o.recheckMs ?? 5_000);
    this.recheckTimer.unref();
  }

  get connected(): number {
    return this.clients.size;
  }

  get full(): boolean {
    return this.clients.size >= this.maxClients;
  }

  /** Ends every stream whose check says no (called on a timer and when a token is revoked). */
  async revalidate(): Promise<void> {
    await Promise.all(
      [...this.clients].map(async ([res, allowed]) => {
        if (!allowed || (await allowed().catch(() => false))) return;
        this.clients.delete(res);
        res.end();
      }),
    );
  }

  publish(type: LiveEventType, data: unknown): void {
    const ev: LiveEvent = { id: this.nextId++, type, data };
    this.buffer.push(ev);
    if (this.buffer.length > this.replay) this.buffer.splice(0, this.buffer.length - this.replay);
    const frame = format(ev, this.epoch);
    for (const c of this.clients.keys()) this.write(c, frame);
  }

  /** Takes over a response: headers, replay after `lastEventId`, then live events until the client leaves. */
  attach(
    res: ServerResponse,
    lastEventId: string | undefined,
    headers: Record<string, string>,
    stillAllowed?: StillAllowed,
  ): void {
    res.writeHead(200, {
      ...headers,
      'content-type': 'text/event-stream; charset=utf-8',
      'cache-control': 'no-store',
      connection: 'keep-alive',
      'x-accel-buffering': 'no',
    });
    res.write(`retry: 2000\n: medic events ${this.epoch}\n\n`);
    const missed = this.since(lastEventId);
    if (missed === null) res.write(`event: reset\ndata: {}\n\n`);
    else for (const ev of missed) res.write(format(ev, this.epoch));
    this.clients.set(res, stillAllowed);
    res.on('close', () => this.clients.delete(res));
  }

  /** Events after the given id, or null when they are no longer known. */
  since(lastEventId: string | undefined): LiveEvent[] | null {
    if (!lastEventId) return [];
    const [epoch, n] = lastEventId.split('-');
    const id = Number(n);
    if (epoch !== this.epoch || !Number.isInteger(id) || id >= this.nextId) return null;
    const first = this.buffer[0];
    if (first && id < first.id - 1) return null;
    return this.buffer.filter((e) => e.id > id);
  }

  close(): void {
    clearInterval(this.timer);
    clearInterval(this.recheckTimer);
    for (const off of this.offs) off();
    for (const c of this.clients.keys()) c.end();
    this.clients.clear();
  }

  private heartbeat(): void {
    for (const c of this.clients.keys()) this.write(c, `: heartbeat ${Date.now()}\n\n`);
  }

  private write(c: ServerResponse, frame: string): void {
    if (c.destroyed || c.writableEnded) {
      this.clients.delete(c);
      return;
    }
    // A client that cannot keep up is dropped rather than buffered without bound; it reconnects and replays.
    if (c.writableLength > 1024 * 1024) {
      c.destroy();
      this.clients.delete(c);
      return;
    }
    c.write(frame);
    this.sent++;
  }
}

function format(ev: LiveEvent, epoch: string): string {
  return `id: ${epoch}-${ev.id}\nevent: ${ev.type}\ndata: ${JSON.stringify(ev.data)}\n\n`;
}
