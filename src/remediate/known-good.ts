import fs from 'node:fs/promises';
import path from 'node:path';
import type { ServiceHealth, TimerHandle } from '../core/index.js';
import { errorMessage, formatDuration } from '../core/index.js';
import { sha256 } from './backup-record.js';
import type { Backups } from './backups.js';
import type { EngineDeps } from './deps.js';

/** One service's healthy stretch: the hashes of its files seen at the start of the current window. */
interface Watch {
  timer: TimerHandle | null;
  seen: Map<string, string | null>;
}

/**
 * Records the healthy version of each service's `config_files` as known good, so `config_rollback` has
 * something to put back. A file is captured when the service has been healthy, without interruption and
 * with no heal running, for `policy.known_good_after`, and the file's content was the same at the start and
 * at the end of that window (a file changed inside the window waits for a window of its own: a broken file
 * written just before a check is not taken for good before the check can fail). While the service stays
 * healthy, each window is checked again: a file changed by hand and kept through a healthy window becomes the
 * new known good. At start-up, a file with no known good version at all is recorded as soon as the service
 * first turns healthy (see `bootstrap`). Backups are content-addressed and `captureGood` records nothing for content already
 * recorded good, and content this class captured is not even offered again.
 */
export class KnownGood {
  private readonly watches = new Map<string, Watch>();
  /** Path → hash this class last recorded good (or found recorded good). */
  private readonly captured = new Map<string, string>();
  private readonly running = new Set<Promise<void>>();
  /** Services seen healthy since start-up. */
  private readonly seenHealthy = new Set<string>();
  private stopped = false;

  constructor(
    private readonly d: Pick<EngineDeps, 'clock' | 'config' | 'logger' | 'health'>,
    private readonly backups: Backups,
    private readonly busy: (service: string) => boolean,
  ) {}

  /**
   * The service's `config_files`, absolute (relative ones start at the config file's directory), but those
   * `drift.files` watches: their intended version is kept there, and a hand edit kept through a healthy
   * window is drift, not a new known good version.
   */
  files(service: string): string[] {
    const { baseDir, config } = this.d.config();
    const list = config.services[service]?.config_files ?? [];
    const watched = new Set(config.drift.files.map((f) => path.resolve(baseDir, f.path)));
    return [...new Set(list.map((f) => path.resolve(baseDir, f)))].filter((f) => !watched.has(f));
  }

  /** A service's health changed: healthy starts a window, anything else ends it. */
  onHealth(service: string, to: ServiceHealth): void {
    this.cancel(service);
    if (to !== 'healthy' || this.stopped) {
      // Whatever a heal records while it is not healthy is looked up afresh next time.
      for (const f of this.files(service)) this.captured.delete(f);
      return;
    }
    if (this.files(service).length === 0) return;
    const w: Watch = { timer: null, seen: new Map() };
    this.watches.set(service, w);
    const first = !this.seenHealthy.has(service);
    this.seenHealthy.add(service);
    this.track(async () => {
      const files = this.files(service);
      w.seen = await hashes(files);
      if (this.watches.get(service) !== w) return;
      if (first) await this.bootstrap(service, files, w.seen);
      if (this.watches.get(service) === w) this.arm(service, w);
    });
  }

  /** Drops every window; captures under way finish (see `idle`). */
  stop(): void {
    this.stopped = true;
    for (const s of [...this.watches.keys()]) this.cancel(s);
  }

  /** Resolves when no file is being read or captured. */
  async idle(): Promise<void> {
    while (this.running.size > 0) await Promise.allSettled([...this.running]);
  }

  private cancel(service: string): void {
    const w = this.watches.get(service);
    if (!w) return;
    this.d.clock.clearTimeout(w.timer ?? undefined);
    this.watches.delete(service);
  }

  private arm(service: string, w: Watch): void {
    const window = this.d.config().config.policy.known_good_after;
    w.timer = this.d.clock.setTimeout(() => {
      w.timer = null;
      this.track(() => this.check(service, w, window));
    }, window);
  }

  private async check(service: string, w: Watch, window: number): Promise<void> {
    if (this.watches.get(service) !== w) return;
    // A heal in progress decides what is good (it captures its own files when verified): wait it out.
    if (this.d.health(service) !== 'healthy' || this.busy(service)) {
      this.arm(service, w);
      return;
    }
    const files = this.files(service);
    const now = await hashes(files);
    if (this.watches.get(service) !== w) return; // turned unhealthy while reading
    const stable = files.filter((f) => {
      const h = now.get(f);
      return typeof h === 'string' && h === w.seen.get(f) && this.captured.get(f) !== h;
    });
    if (stable.length > 0)
      await this.capture(service, stable, `${service} healthy for ${formatDuration(window)}`);
    w.seen = now;
    if (this.watches.get(service) === w && !this.stopped) this.arm(service, w);
  }

  /**
   * The first time the service turns healthy after start-up, a file with no known good version at all is
   * recorded at once: a drill (or a bad deploy) may break it before a full window has passed, and a version
   * the service just passed its checks with beats nothing to roll back to. Any version kept through a full
   * healthy window later is newer and wins.
   */
  private async bootstrap(service: string, files: string[], seen: Map<string, string | null>): Promise<void> {
    const none: string[] = [];
    for (const f of files) {
      if (seen.get(f) && !(await this.backups.lastKnownGood(f))) none.push(f);
    }
    if (none.length === 0 || this.d.health(service) !== 'healthy' || this.busy(service)) return;
    await this.capture(service, none, `${service} healthy at start-up; no known good version yet`);
  }

  private async capture(service: string, files: string[], reason: string): Promise<void> {
    try {
      const before = new Set(
        (await Promise.all(files.map((f) => this.backups.lastKnownGood(f)))).map((r) => r?.id),
      );
      const recs = await this.backups.captureGood(files, null, { reason });
      for (const r of recs) {
        if (r.hash !== null) this.captured.set(r.path, r.hash);
        if (!before.has(r.id))
          this.d.logger.info(
            { service, file: r.path, backup: r.id, reason },
            'config file recorded as known good',
          );
      }
    } catch (err) {
      this.d.logger.warn({ service, err: errorMessage(err) }, 'recording config files as known good failed');
    }
  }

  private track(work: () => Promise<void>): void {
    const p: Promise<void> = work()
      .catch((err: unknown) => this.d.logger.warn({ err: errorMessage(err) }, 'known-good capture failed'))
      .finally(() => this.running.delete(p));
    this.running.add(p);
  }
}

/** sha256 of each file, null when it is missing or unreadable (a missing file is never "good"). */
async function hashes(files: readonly string[]): Promise<Map<string, string | null>> {
  const out = new Map<string, string | null>();
  for (const f of files) {
    try {
      out.set(f, sha256(await fs.readFile(f)));
    } catch {
      out.set(f, null);
    }
  }
  return out;
}
