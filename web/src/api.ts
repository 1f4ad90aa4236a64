/** The dashboard's client: fetch with the signed-in token, JSON errors, and the live event stream. */
import type {
  Action,
  AuditEntry,
  Finding,
  Incident,
  JournalEntry,
  ProbeResult,
  ServiceHealth,
  TimelineEntry,
} from '../../src/core/types.js';

export type { Action, AuditEntry, Finding, Incident, JournalEntry, TimelineEntry };

export interface ServiceStatus {
  name: string;
  health: ServiceHealth;
  supervised: boolean;
  pid: number | null;
  checks: { name: string; state: string }[];
  dependsOn: string[];
}

export interface ProbeRecord {
  service: string;
  check: string;
  at: number;
  result: ProbeResult;
}

export interface Page<T> {
  items: T[];
  total?: number;
  limit: number;
  offset: number;
  hasMore: boolean;
}

export interface Me {
  name: string;
  role: 'viewer' | 'ingest' | 'operator' | 'admin';
  auth: boolean;
}

export type Role = Me['role'];

/** What each role may do, as the API grants it (src/api/tokens.ts): viewer < operator < admin; ingest aside. */
const GRANTS: Record<Role, readonly Role[]> = {
  viewer: ['viewer'],
  ingest: ['ingest'],
  operator: ['viewer', 'ingest', 'operator'],
  admin: ['viewer', 'ingest', 'operator', 'admin'],
};

export function roleAllows(have: Role, need: Role): boolean {
  return GRANTS[have]?.includes(need) ?? false;
}

/** An error as the operator reads it: the API's message, its status and code. */
export function errorText(err: unknown): string {
  if (err instanceof ApiError) return `${err.message} (${err.status} ${err.code})`;
  return err instanceof Error ? err.message : String(err);
}

const TOKEN_KEY = 'medic.token';

export const session = {
  get token(): string | null {
    return localStorage.getItem(TOKEN_KEY);
  },
  set(token: string | null): void {
    if (token) localStorage.setItem(TOKEN_KEY, token);
    else localStorage.removeItem(TOKEN_KEY);
  },
};

export class ApiError extends Error {
  constructor(
    readonly status: number,
    readonly code: string,
    message: string,
  ) {
    super(message);
  }
}

function headers(extra: Record<string, string> = {}): Record<string, string> {
  const t = session.token;
  return t ? { ...extra, authorization: `Bearer ${t}` } : extra;
}

export async function api<T>(route: string, init: { method?: string; body?: unknown } = {}): Promise<T> {
  const res = await fetch(route, {
    method: init.method ?? 'GET',
    headers: headers(init.body === undefined ? {} : { 'content-type': 'application/json' }),
    body: init.body === undefined ? undefined : JSON.stringify(init.body),
  });
  const body = (await res.json().catch(() => ({}))) as T & { error?: { code: string; message: string } };
  if (!res.ok)
    throw new ApiError(res.status, body.error?.code ?? 'error', body.error?.message ?? res.statusText);
  return body;
}

export function query(params: Record<string, string | number | undefined>): string {
  const q = new URLSearchParams();
  for (const [k, v] of Object.entries(params)) if (v !== undefined && v !== '') q.set(k, String(v));
  const s = q.toString();
  return s ? `?${s}` : '';
}

export type LiveType = 'finding' | 'incident' | 'action' | 'health' | 'reset';
export type LiveState = 'connecting' | 'live' | 'offline';
type Listener = (type: LiveType, data: unknown) => void;

/**
 * The SSE stream read with fetch (EventSource cannot send the Authorization header). Reconnects with
 * Last-Event-ID after a drop; `reset` tells listeners to reload everything.
 */
export class LiveEvents {
  private listeners = new Set<Listener>();
  private stateListeners = new Set<(s: LiveState) => void>();
  private lastId: string | null = null;
  private abort: AbortController | null = null;
  /** Each start() begins a new generation; a loop of an older one ends at its next step. */
  private generation = 0;
  state: LiveState = 'connecting';

  on(fn: Listener): () => void {
    this.listeners.add(fn);
    return () => this.listeners.delete(fn);
  }

  onState(fn: (s: LiveState) => void): () => void {
    this.stateListeners.add(fn);
    return () => this.stateListeners.delete(fn);
  }

  start(): void {
    this.abort?.abort();
    void this.loop(++this.generation);
  }

  stop(): void {
    this.generation++;
    this.abort?.abort();
  }

  private setState(s: LiveState): void {
    this.state = s;
    for (const fn of this.stateListeners) fn(s);
  }

  private async loop(gen: number): Promise<void> {
    let delay = 500;
    while (gen === this.generation) {
      const abort = new AbortController();
      this.abort = abort;
      try {
        this.setState('connecting');
        const res = await fetch('/api/events', {
          headers: headers(this.lastId ? { 'last-event-id': this.lastId } : {}),
          signal: abort.signal,
        });
        if (!res.ok || !res.body) throw new Error(`events: ${res.status}`);
        this.setState('live');
        delay = 500;
        await this.read(res.body);
      } catch {
        // dropped or aborted: retried below unless stopped
      }
      if (gen !== this.generation) return;
      this.setState('offline');
      await new Promise((r) => setTimeout(r, delay));
      delay = Math.min(delay * 2, 10_000);
    }
  }

  private async read(body: ReadableStream<Uint8Array>): Promise<void> {
    const reader = body.getReader();
    const dec = new TextDecoder();
    let buf = '';
    for (;;) {
      const { value, done } = await reader.read();
      if (done) return;
      buf += dec.decode(value, { stream: true });
      let cut = buf.indexOf('\n\n');
      while (cut >= 0) {
        this.frame(buf.slice(0, cut));
        buf = buf.slice(cut + 2);
        cut = buf.indexOf('\n\n');
      }
    }
  }

  private frame(text: string): void {
    let type = '';
    let data = '';
    for (const line of text.split('\n')) {
      if (line.startsWith('id: ')) this.lastId = line.slice(4);
      else if (line.startsWith('event: ')) type = line.slice(7);
      else if (line.startsWith('data: ')) data += line.slice(6);
    }
    if (!type) return;
    let parsed: unknown = null;
    try {
      parsed = data ? JSON.parse(data) : null;
    } catch {
      return;
    }
    for (const fn of this.listeners) fn(type as LiveType, parsed);
  }
}

export const live = new LiveEvents();

export function ago(ms: number, now = Date.now()): string {
  const s = Math.max(0, Math.round((now - ms) / 1000));
  if (s < 60) return `${s}s ago`;
  if (s < 3600) return `${Math.round(s / 60)}m ago`;
  if (s < 86_400) return `${Math.round(s / 3600)}h ago`;
  return `${Math.round(s / 86_400)}d ago`;
}

export function time(ms: number): string {
  return new Date(ms).toLocaleString();
}
