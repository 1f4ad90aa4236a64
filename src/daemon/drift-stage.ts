import { type FSWatcher, watch } from 'node:fs';
import path from 'node:path';
import type { DriftFileConfig } from '../config/index.js';
import {
  type Action,
  errorMessage,
  type Finding,
  KeyedSerial,
  newId,
  type TimerHandle,
} from '../core/index.js';
import { backupFiles } from '../remediate/index.js';
import { differences, type FileNow, readNow, redactedDiff } from '../sources/index.js';
import type { StageHost } from './host.js';
import type { Stage, StageFactory, StageKit } from './stage.js';
import type { TelemetryGate } from './telemetry/gate.js';

interface Watched {
  cfg: DriftFileConfig;
  abs: string;
  /** The path as the finding's labels carry it (relative to the config file when inside its directory). */
  label: string;
  /** What was last reported as drift (hash and mode), so the same drift is told once. */
  reported: string | null;
  /** Contents Medic's own steps left in the file (not verified yet, or a step that failed on): not drift. */
  medicWrote: Set<string>;
  /** Steps of Medic writing the file now (backed up, not finished): a change meanwhile is theirs. */
  writers: Set<string>;
}

/** A file event's check waits this long for the rest of a save (editors write, rename, chmod). */
const SETTLE_MS = 100;
const WRITING: readonly Action['state'][] = ['backed_up'];
const WROTE: readonly Action['state'][] = ['applied', 'verified', 'failed'];

export const driftCheck = (label: string) => `drift:${label}`;

/**
 * Configuration drift (DESIGN.md's `sources/drift`): each file of `drift.files` is compared with its intended
 * version, the newest known good backup of it (recorded here when first seen, and after each verified heal
 * that changed it), on a file-system event in its directory and every `check_every`. A difference in
 * content, mode or owner that no step of Medic made is drift: a `drift` finding with the redacted diff, and
 * the service held degraded through the telemetry gate until the file is as intended again, so a playbook
 * on `kind: drift` (a `config_rollback`) can put it back and be verified by the hold ending. A step of Medic
 * that backs the file up is watched on the bus: what it writes is Medic's own change, never drift (Puppet's
 * intentional versus corrective change); once verified, it is the known good version.
 */
export class DriftStage implements Stage {
  readonly name = 'drift';
  private readonly files = new Map<string, Watched>();
  private readonly lanes = new KeyedSerial();
  private readonly watchers = new Map<string, FSWatcher>();
  private readonly pending = new Map<string, TimerHandle>();
  private timer: TimerHandle | undefined;
  private retry: TimerHandle | undefined;
  private offs: (() => void)[] = [];
  private stopped = false;
  private readonly medic: StageHost;
  private readonly gate: TelemetryGate;

  constructor(kit: StageKit) {
    this.medic = kit.host;
    this.gate = kit.gate;
  }

  async start(): Promise<void> {
    this.gate.start();
    this.offs.push(
      this.medic.bus.on('action', (a) => this.onAction(a)),
      // A restart ends the gate's holds of the service: a file still drifted is held again at once.
      this.medic.bus.on('signal', (s) => {
        if (s.kind !== 'start') return;
        for (const w of this.files.values()) if (w.cfg.service === s.service) w.reported = null;
        this.checkService(s.service);
      }),
    );
    await this.apply();
  }

  async reload(): Promise<void> {
    await this.apply();
  }

  async stop(): Promise<void> {
    this.stopped = true;
    for (const off of this.offs) off();
    this.offs = [];
    this.unwatch();
    this.medic.clock.clearTimeout(this.timer);
    this.medic.clock.clearTimeout(this.retry);
    for (const t of this.pending.values()) this.medic.clock.clearTimeout(t);
    this.pending.clear();
    await this.lanes.idle();
    this.gate.stop();
  }

  /** Resolves when every check under way is done (tests). */
  idle(): Promise<void> {
    return this.lanes.idle();
  }

  private async apply(): Promise<void> {
    const { baseDir, config } = this.medic.config();
    const before = new Map(this.files);
    this.files.clear();
    for (const cfg of config.drift.files) {
      const abs = path.resolve(baseDir, cfg.path);
      const rel = path.relative(baseDir, abs);
      const label = rel.startsWith('..') || path.isAbsolute(rel) ? abs : rel;
      const old = before.get(abs);
      this.files.set(abs, {
        cfg,
        abs,
        label,
        reported: old?.cfg.service === cfg.service ? old.reported : null,
        medicWrote: old?.medicWrote ?? new Set(),
        writers: old?.writers ?? new Set(),
      });
    }
    // A file no longer watched, or moved to another service, lets its old service go.
    for (const [abs, old] of before) {
      if (old.reported !== null && this.files.get(abs)?.cfg.service !== old.cfg.service)
        this.gate.clear(old.cfg.service, driftCheck(old.label));
    }
    this.gate.setServices('drift', new Set([...this.files.values()].map((w) => w.cfg.service)));
    this.unwatch();
    this.watchDirs();
    this.medic.clock.clearTimeout(this.timer);
    if (this.files.size > 0) this.tick();
  }

  /** Watches each watched file's directory; one missing now (made by the service later) is tried each tick. */
  private watchDirs(): void {
    const dirs = new Set([...this.files.keys()].map((f) => path.dirname(f)));
    let missing = false;
    for (const dir of dirs) {
      if (this.watchers.has(dir)) continue;
      try {
        const w = watch(dir, { persistent: false }, (_event, name) => {
          const file = name ? path.join(dir, name.toString()) : null;
          if (file && this.files.has(file)) this.soon(file);
          else if (!file) for (const f of this.files.keys()) if (path.dirname(f) === dir) this.soon(f);
        });
        w.on('error', (err) => {
          this.medic.logger.warn({ dir, err: errorMessage(err) }, 'drift watch failed');
          w.close();
          this.watchers.delete(dir);
        });
        this.watchers.set(dir, w);
        // Made since the last look (by the service's first start): what is in it now is read at once.
        for (const f of this.files.keys()) if (path.dirname(f) === dir) this.soon(f);
      } catch {
        missing = true;
      }
    }
    // Not there yet (the service makes it at its first start): looked for again each second meanwhile.
    this.medic.clock.clearTimeout(this.retry);
    if (missing && !this.stopped) this.retry = this.medic.clock.setTimeout(() => this.watchDirs(), 1_000);
  }

  private tick(): void {
    this.watchDirs();
    for (const f of this.files.keys()) this.check(f);
    this.timer = this.medic.clock.setTimeout(() => this.tick(), this.medic.config().config.drift.check_every);
  }

  private unwatch(): void {
    for (const w of this.watchers.values()) w.close();
    this.watchers.clear();
  }

  private soon(file: string): void {
    if (this.pending.has(file) || this.stopped) return;
    this.pending.set(
      file,
      this.medic.clock.setTimeout(() => {
        this.pending.delete(file);
        this.check(file);
      }, SETTLE_MS),
    );
  }

  private checkService(service: string): void {
    for (const w of this.files.values()) if (w.cfg.service === service) this.check(w.abs);
  }

  /** Steps of Medic that back up a watched file: what they write there is theirs. */
  private onAction(a: Action): void {
    const mine = backupFiles({ kind: a.kind, target: a.service, params: a.params, description: '' })
      .map((f) => this.files.get(path.resolve(f)))
      .filter((w): w is Watched => w !== undefined);
    for (const w of mine) {
      if (WRITING.includes(a.state)) {
        w.writers.add(a.id);
        continue;
      }
      if (!w.writers.delete(a.id)) continue;
      if (WROTE.includes(a.state)) void this.lanes.run(w.abs, () => this.recordWrite(w, a.id));
      this.check(w.abs);
    }
  }

  /**
   * What a step left in the file is Medic's own when it differs from the backup the step took before it
   * ran: a step that failed without writing (or wrote the same) leaves a drift a drift.
   */
  private async recordWrite(w: Watched, actionId: string): Promise<void> {
    const [before] = await this.medic.engine.backups.list({ path: w.abs, actionId });
    const now = await readNow(w.abs).catch(() => null);
    if (!before || !now?.hash) return;
    const was = stamp({
      data: null,
      hash: before.hash,
      mode: before.mode,
      uid: before.uid ?? null,
      gid: before.gid ?? null,
    });
    if (was !== stamp(now)) w.medicWrote.add(stamp(now));
  }

  private check(file: string): void {
    if (this.stopped) return;
    void this.lanes
      .run(file, () => this.compare(file))
      .catch((err) => this.medic.logger.warn({ file, err: errorMessage(err) }, 'drift check failed'));
  }

  private async compare(file: string): Promise<void> {
    const w = this.files.get(file);
    if (!w || this.stopped || w.writers.size > 0) return;
    const backups = this.medic.engine.backups;
    const now = await readNow(file);
    const good = await backups.lastKnownGood(file);
    if (!good) {
      // First sight: what is there now is what is intended (Medic keeps it from here on).
      if (now.hash === null) return;
      await backups.captureGood([file], null, { reason: 'drift: first seen, recorded as intended' });
      this.medic.logger.info({ file, service: w.cfg.service }, 'drift: intended version recorded');
      return;
    }
    const diffs = differences(good, now);
    if (diffs.length === 0 || w.medicWrote.has(stamp(now))) {
      if (diffs.length === 0) w.medicWrote.clear();
      if (w.reported !== null) {
        w.reported = null;
        this.gate.clear(w.cfg.service, driftCheck(w.label));
        this.medic.logger.info({ file, service: w.cfg.service }, 'drift: the file is as intended again');
      }
      return;
    }
    if (w.reported === stamp(now)) return;
    w.reported = stamp(now);
    const at = this.medic.clock.now();
    const { diff, added, removed } =
      good.hash !== now.hash
        ? redactedDiff(await backups.content(good), now.data, {
            from: `${w.label} (known good)`,
            to: w.label,
          })
        : { diff: '', added: 0, removed: 0 };
    const lines = good.hash !== now.hash && now.hash !== null ? ` (+${added} −${removed} lines)` : '';
    const summary = `${w.label} drifted from its known good version: ${diffs.join(', ')}${lines}`;
    const f: Finding = {
      id: newId('fnd'),
      service: w.cfg.service,
      check: driftCheck(w.label),
      kind: 'drift',
      severity: 'warning',
      score: 1,
      summary,
      evidence: {
        labels: { file: w.label, correct: String(w.cfg.correct) },
        path: file,
        changes: diffs,
        diff,
        known_good: { backup: good.id, hash: good.hash, at: good.goodAt ?? good.createdAt },
        hash: now.hash,
      },
      at,
    };
    this.medic.logger.warn({ file, service: w.cfg.service, changes: diffs }, 'configuration drift');
    await this.medic.submitFinding(f);
    this.gate.mark(w.cfg.service, f.check, Number.POSITIVE_INFINITY, summary);
  }
}

/** Content and mode together: a chmod is a change as much as an edit. */
function stamp(now: FileNow): string {
  return `${now.hash}:${now.mode}:${now.uid}:${now.gid}`;
}

/** The stage's factory for stages.ts. */
export const driftStage: StageFactory = (kit) => new DriftStage(kit);
