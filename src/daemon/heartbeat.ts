import { hostname } from 'node:os';
import type { Logger } from 'pino';
import type { HeartbeatConfig } from '../config/index.js';
import {
  boundedFetch,
  type Clock,
  errorMessage,
  formatDuration,
  redactText,
  type TimerHandle,
} from '../core/index.js';

export interface HeartbeatOptions {
  clock: Clock;
  logger: Pick<Logger, 'info' | 'warn' | 'error'>;
  /** Read at every call, so a reload takes effect at the next one; undefined: no heartbeat. */
  settings: () => HeartbeatConfig | undefined;
  /** Why the daemon is not making progress, or null when it is: a call is made only on null. */
  stalled: () => string | null;
  env?: NodeJS.ProcessEnv;
}

export interface HeartbeatStats {
  sent: number;
  failed: number;
  skipped: number;
  lastSentAt: number | null;
}

/** A call's outcome, kept so that a failure repeated every interval is logged once, not every time. */
type Outcome = { ok: true } | { ok: false; reason: string };

/**
 * The dead man's switch: calls the configured URL every interval while the daemon makes progress; the
 * receiver alarms when the calls stop (Medic killed, its host gone, or Medic wedged). A failed call is logged
 * without its secrets (only the URL's origin is named) and the next interval tries again; nothing here throws.
 */
export class Heartbeat {
  private timer: TimerHandle | undefined;
  private inFlight: AbortController | null = null;
  private running = false;
  private last: Outcome | null = null;
  private failedInARow = 0;
  /** The settings the pending call was scheduled with. */
  private applied = 'null';
  readonly stats: HeartbeatStats = { sent: 0, failed: 0, skipped: 0, lastSentAt: null };

  constructor(private readonly opts: HeartbeatOptions) {}

  /** The first call goes at once: start-up has just written to the store. */
  start(): void {
    if (this.running) return;
    this.running = true;
    this.schedule(0);
  }

  stop(): void {
    this.running = false;
    this.opts.clock.clearTimeout(this.timer);
    this.timer = undefined;
    this.inFlight?.abort(new Error('Medic is stopping'));
  }

  /** The config changed: changed settings take effect with a call at once (none: no more calls). */
  reload(): void {
    const now = JSON.stringify(this.opts.settings() ?? null);
    if (now === this.applied || !this.running || this.inFlight) return;
    this.schedule(0);
  }

  private schedule(delay: number): void {
    this.opts.clock.clearTimeout(this.timer);
    this.timer = undefined;
    this.applied = JSON.stringify(this.opts.settings() ?? null);
    if (!this.running || !this.opts.settings()) return;
    this.timer = this.opts.clock.setTimeout(() => {
      this.timer = undefined;
      void this.tick();
    }, delay);
  }

  private async tick(): Promise<void> {
    const cfg = this.opts.settings();
    if (!cfg) return;
    const started = this.opts.clock.now();
    const outcome = await this.beat(cfg).catch((err: unknown) => fail(`unexpected: ${errorMessage(err)}`));
    if (!this.running) return; // a call cut short by stop() is no failure worth a warning
    this.report(cfg, outcome);
    // Anchored on the start, so the receiver sees the configured pace whatever a call takes.
    const next = started + (this.opts.settings()?.interval ?? cfg.interval);
    this.schedule(Math.max(0, next - this.opts.clock.now()));
  }

  private async beat(cfg: HeartbeatConfig): Promise<Outcome> {
    const stalled = this.opts.stalled();
    if (stalled !== null) {
      this.stats.skipped++;
      return fail(`not sent: ${stalled}`);
    }
    const env = this.opts.env ?? process.env;
    const url = cfg.url ?? env[cfg.url_env ?? ''];
    if (!url) return fail(`not sent: environment variable ${cfg.url_env} is not set`);
    const headers: Record<string, string> = { 'user-agent': 'medic-heartbeat', ...cfg.headers };
    const secrets: string[] = [];
    for (const [header, name] of Object.entries(cfg.header_env)) {
      const value = env[name];
      if (value === undefined)
        return fail(`not sent: environment variable ${name} (header ${header}) is not set`);
      headers[header] = value;
      secrets.push(value);
    }
    if (cfg.bearer_env) {
      const token = env[cfg.bearer_env];
      if (token === undefined) return fail(`not sent: environment variable ${cfg.bearer_env} is not set`);
      headers['authorization'] = `Bearer ${token}`;
      secrets.push(token);
    }
    let body: string | undefined;
    if (cfg.method === 'POST') {
      headers['content-type'] = 'application/json';
      body = JSON.stringify({
        status: 'alive',
        at: new Date(this.opts.clock.now()).toISOString(),
        host: hostname(),
      });
    }
    const controller = new AbortController();
    this.inFlight = controller;
    const timeout = this.opts.clock.setTimeout(
      () => controller.abort(new Error(`timed out after ${formatDuration(cfg.timeout)}`)),
      cfg.timeout,
    );
    try {
      const res = await boundedFetch(url, {
        method: cfg.method,
        headers,
        ...(body === undefined ? {} : { body }),
        signal: controller.signal,
        maxBody: 1024,
      });
      if (res.status < 200 || res.status > 299) return fail(`answered ${res.status} ${res.statusText}`);
      this.stats.sent++;
      this.stats.lastSentAt = this.opts.clock.now();
      return { ok: true };
    } catch (err) {
      const reason = controller.signal.aborted ? controller.signal.reason : err;
      return fail(scrub(describe(reason), url, secrets));
    } finally {
      this.opts.clock.clearTimeout(timeout);
      this.inFlight = null;
    }
  }

  /** Logs a change of outcome (the first failure, a different one, the recovery), never each repeat. */
  private report(cfg: HeartbeatConfig, outcome: Outcome): void {
    const target = targetOf(cfg, this.opts.env ?? process.env);
    const prev = this.last;
    this.last = outcome;
    if (outcome.ok) {
      if (prev && !prev.ok)
        this.opts.logger.info({ heartbeat: target, after: this.failedInARow }, 'heartbeat delivered again');
      this.failedInARow = 0;
      return;
    }
    if (!outcome.reason.startsWith('not sent:')) this.stats.failed++;
    this.failedInARow++;
    if (prev && !prev.ok && prev.reason === outcome.reason) return;
    this.opts.logger.warn(
      { heartbeat: target, reason: outcome.reason },
      `heartbeat failed (${outcome.reason}); trying again in ${formatDuration(cfg.interval)}`,
    );
  }
}

function fail(reason: string): Outcome {
  return { ok: false, reason };
}

/** Only the origin of the URL is ever logged: a ping URL's path is often its secret. */
function targetOf(cfg: HeartbeatConfig, env: NodeJS.ProcessEnv): string {
  const url = cfg.url ?? env[cfg.url_env ?? ''];
  if (!url) return `$${cfg.url_env}`;
  try {
    return new URL(url).origin;
  } catch {
    return `$${cfg.url_env ?? 'url'}`;
  }
}

/** fetch says "fetch failed" and keeps the reason (ECONNREFUSED…) in its cause. */
function describe(err: unknown): string {
  const cause = (err as { cause?: unknown } | null)?.cause;
  return cause ? `${errorMessage(err)}: ${errorMessage(cause)}` : errorMessage(err);
}

/** An error message with the URL and header values taken out, then the usual secret patterns masked. */
function scrub(text: string, url: string, secrets: readonly string[]): string {
  let out = text.split(url).join(safeOrigin(url));
  for (const s of secrets) if (s.length >= 4) out = out.split(s).join('***');
  return redactText(out);
}

function safeOrigin(url: string): string {
  try {
    return new URL(url).origin;
  } catch {
    return '<url>';
  }
}
