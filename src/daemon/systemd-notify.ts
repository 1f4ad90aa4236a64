import { execFile } from 'node:child_process';
import type { Logger } from 'pino';
import { type Clock, errorMessage, formatDuration, type TimerHandle } from '../core/index.js';

/**
 * systemd's service notification protocol (sd_notify): `READY=1` once Medic serves (Type=notify), `WATCHDOG=1`
 * every half of WatchdogSec while it makes progress (a wedged Medic falls silent and systemd restarts it),
 * `STOPPING=1` on the way out. The protocol is a datagram on the unix socket in $NOTIFY_SOCKET; Node has no
 * unix datagram sockets, so systemd's own `systemd-notify` sends it (argv, never a shell). It waits until
 * systemd has taken the message, so the datagram is read while the sender still lives and is credited to
 * this service (the unit needs NotifyAccess=all: the sender is Medic's child, not its main process).
 */
export type NotifySend = (fields: readonly string[]) => Promise<void>;

/** Sends through `systemd-notify`, with only NOTIFY_SOCKET in its environment. */
export function systemdNotifySend(socket: string, program = 'systemd-notify'): NotifySend {
  return (fields) =>
    new Promise((resolve, reject) => {
      execFile(
        program,
        [...fields],
        { env: { NOTIFY_SOCKET: socket }, timeout: 10_000 },
        (err, _out, stderr) => {
          if (err) reject(new Error(`${program}: ${stderr.trim() || errorMessage(err)}`));
          else resolve();
        },
      );
    });
}

export interface SystemdNotifierOptions {
  clock: Clock;
  logger: Pick<Logger, 'info' | 'warn'>;
  /** Why the daemon is not making progress, or null when it is: a watchdog ping is sent only on null. */
  stalled: () => string | null;
  env?: NodeJS.ProcessEnv;
  pid?: number;
  /** How a notification leaves (tests and other transports); default: systemd-notify on $NOTIFY_SOCKET. */
  send?: NotifySend;
}

/** The watchdog period systemd asks for: WATCHDOG_USEC, when WATCHDOG_PID is unset or names this process. */
export function watchdogMs(env: NodeJS.ProcessEnv, pid: number): number | null {
  const usec = Number(env['WATCHDOG_USEC']);
  if (!Number.isFinite(usec) || usec <= 0) return null;
  const owner = env['WATCHDOG_PID'];
  if (owner !== undefined && owner !== '' && Number(owner) !== pid) return null;
  return usec / 1000;
}

export class SystemdNotifier {
  private timer: TimerHandle | undefined;
  private running = false;
  private lastSkip: string | null = null;
  private failedWith: string | null = null;
  private readonly send: NotifySend | null;
  private readonly periodMs: number | null;
  readonly stats = { pings: 0, skipped: 0 };

  constructor(private readonly opts: SystemdNotifierOptions) {
    const env = opts.env ?? process.env;
    const socket = env['NOTIFY_SOCKET'];
    this.send = opts.send ?? (socket ? systemdNotifySend(socket) : null);
    const period = watchdogMs(env, opts.pid ?? process.pid);
    this.periodMs = this.send && period !== null ? period : null;
  }

  /** Whether systemd listens (NOTIFY_SOCKET is set): without it every call here does nothing. */
  get enabled(): boolean {
    return this.send !== null;
  }

  /** Start-up is done: systemd marks the unit started, and the watchdog pings begin. */
  async ready(status: string): Promise<void> {
    await this.notify(['READY=1', `STATUS=${status}`]);
    if (this.periodMs === null || this.running) return;
    this.running = true;
    this.opts.logger.info(
      `systemd watchdog: a ping every ${formatDuration(this.periodMs / 2)} while making progress`,
    );
    this.schedule();
  }

  async stopping(): Promise<void> {
    this.running = false;
    this.opts.clock.clearTimeout(this.timer);
    this.timer = undefined;
    await this.notify(['STOPPING=1']);
  }

  // Half the period, as sd_watchdog_enabled(3) advises: one late ping is no restart.
  private schedule(delay = (this.periodMs ?? 0) / 2): void {
    if (!this.running || this.periodMs === null) return;
    this.timer = this.opts.clock.setTimeout(() => void this.tick(), delay);
  }

  private async tick(): Promise<void> {
    const started = this.opts.clock.now();
    const why = this.opts.stalled();
    if (why === null) {
      if (this.lastSkip !== null) this.opts.logger.info('systemd watchdog: making progress again, pinging');
      this.lastSkip = null;
      this.stats.pings++;
      await this.notify(['WATCHDOG=1']);
    } else {
      this.stats.skipped++;
      // Said once per reason, and to systemd too (`systemctl status` shows it) before it restarts Medic.
      if (why !== this.lastSkip) {
        this.opts.logger.warn(`systemd watchdog: no ping, ${why}`);
        await this.notify([`STATUS=stalled: ${why}`]);
      }
      this.lastSkip = why;
    }
    // Anchored on the tick's start: the time systemd-notify takes does not stretch the pace.
    this.schedule(Math.max(0, started + (this.periodMs ?? 0) / 2 - this.opts.clock.now()));
  }

  /** Never throws: a notification that cannot be sent is logged once per distinct failure. */
  private async notify(fields: readonly string[]): Promise<void> {
    if (!this.send) return;
    try {
      await this.send(fields);
      this.failedWith = null;
    } catch (err) {
      const why = errorMessage(err);
      if (why !== this.failedWith) this.opts.logger.warn(`systemd notification failed: ${why}`);
      this.failedWith = why;
    }
  }
}
