import path from 'node:path';
import {
  type Action,
  errorMessage,
  type Finding,
  KeyedSerial,
  newId,
  type TimerHandle,
} from '../core/index.js';
import { type AdvisorySource, advisorySource, scanProject } from '../sources/index.js';
import type { StageHost } from './host.js';
import type { Stage, StageFactory, StageKit } from './stage.js';
import type { TelemetryGate } from './telemetry/gate.js';

export const depsCheck = (project: string, pkg: string) => `deps:${project}:${pkg}`;

/**
 * Vulnerable dependencies as a scheduled source (DESIGN.md's `sources/deps`): each project of `deps.projects`
 * is scanned at start-up, every `deps.every`, and after each `update_dependency` step on it. A locked version
 * an advisory names is a `vulnerable` finding of the project's service (labels: project, package, version,
 * fixed, advisory, severity) and holds the service degraded until a scan no longer finds it, so that a
 * playbook on `kind: vulnerable` (an `update_dependency` step) can update it and be verified by the scan.
 */
export class DepsStage implements Stage {
  readonly name = 'deps';
  private readonly lanes = new KeyedSerial();
  /** Project label → the checks it holds now. */
  private readonly held = new Map<string, { service: string; checks: Set<string> }>();
  private timer: TimerHandle | undefined;
  private offs: (() => void)[] = [];
  private source: { key: string; source: AdvisorySource } | null = null;
  private stopped = false;
  private readonly medic: StageHost;
  private readonly gate: TelemetryGate;

  constructor(kit: StageKit) {
    this.medic = kit.host;
    this.gate = kit.gate;
  }

  async start(): Promise<void> {
    this.gate.start();
    this.offs.push(this.medic.bus.on('action', (a) => this.onAction(a)));
    this.apply();
  }

  async reload(): Promise<void> {
    this.apply();
  }

  async stop(): Promise<void> {
    this.stopped = true;
    for (const off of this.offs) off();
    this.offs = [];
    this.medic.clock.clearTimeout(this.timer);
    await this.lanes.idle();
    this.gate.stop();
  }

  private projects() {
    const { baseDir, config } = this.medic.config();
    return config.deps.projects.map((p) => {
      const dir = path.resolve(baseDir, p.path);
      const rel = path.relative(baseDir, dir);
      return { ...p, dir, label: rel === '' ? '.' : rel.startsWith('..') ? dir : rel };
    });
  }

  private apply(): void {
    const projects = this.projects();
    for (const [label, h] of this.held) {
      if (projects.some((p) => p.label === label && p.service === h.service)) continue;
      for (const c of h.checks) this.gate.clear(h.service, c);
      this.held.delete(label);
    }
    this.gate.setServices('deps', new Set(projects.map((p) => p.service)));
    this.medic.clock.clearTimeout(this.timer);
    if (projects.length > 0) this.tick();
  }

  private tick(): void {
    for (const p of this.projects()) this.scan(p.label);
    this.timer = this.medic.clock.setTimeout(() => this.tick(), this.medic.config().config.deps.every);
  }

  /** A step that changed a project's lockfile: scan it again, so the hold ends once the package is fixed. */
  private onAction(a: Action): void {
    if (a.kind !== 'update-dependency') return;
    if (!['applied', 'verified', 'failed', 'rolled_back'].includes(a.state)) return;
    const dir = String(a.params['project']);
    for (const p of this.projects()) if (p.dir === dir) this.scan(p.label);
  }

  private scan(label: string): void {
    if (this.stopped) return;
    void this.lanes
      .run(label, () => this.scanNow(label))
      .catch((err) =>
        this.medic.logger.warn({ project: label, err: errorMessage(err) }, 'dependency scan failed'),
      );
  }

  private advisories(): AdvisorySource | null {
    const { baseDir, config } = this.medic.config();
    const cfg = config.deps.advisories;
    if (!cfg) return null;
    const key = JSON.stringify([baseDir, cfg]);
    if (this.source?.key !== key) this.source = { key, source: advisorySource(cfg, baseDir) };
    return this.source.source;
  }

  private async scanNow(label: string): Promise<void> {
    const p = this.projects().find((x) => x.label === label);
    const source = this.advisories();
    if (!p || !source || this.stopped) return;
    const result = await scanProject(p.dir, source);
    const h = this.held.get(label) ?? { service: p.service, checks: new Set<string>() };
    this.held.set(label, h);
    const now = new Set<string>();
    for (const v of result.vulnerabilities) {
      const check = depsCheck(label, v.package);
      if (now.has(check)) continue; // one finding per package, its first advisory (sorted by id)
      now.add(check);
      if (h.checks.has(check)) continue;
      h.checks.add(check);
      const fix = v.fixed ? `fixed in ${v.fixed}` : 'no fixed version yet';
      const summary = `${v.package} ${v.version} in ${label} is vulnerable (${v.advisory}, ${v.severity}): ${fix}`;
      const f: Finding = {
        id: newId('fnd'),
        service: p.service,
        check,
        kind: 'vulnerable',
        severity: v.severity === 'critical' || v.severity === 'high' ? 'critical' : 'warning',
        score: 1,
        summary,
        evidence: {
          labels: {
            project: label,
            package: v.package,
            version: v.version,
            fixed: v.fixed ?? '',
            advisory: v.advisory,
            severity: v.severity,
            direct: String(v.direct),
          },
          summary: v.summary,
          aliases: v.aliases,
          lockfile: v.lockfile,
        },
        at: this.medic.clock.now(),
      };
      this.medic.logger.warn(
        { project: label, package: v.package, advisory: v.advisory },
        'vulnerable dependency',
      );
      await this.medic.submitFinding(f);
      this.gate.mark(p.service, check, Number.POSITIVE_INFINITY, summary);
    }
    for (const check of [...h.checks]) {
      if (now.has(check)) continue;
      h.checks.delete(check);
      this.gate.clear(p.service, check);
      this.medic.logger.info({ project: label, check }, 'dependency no longer vulnerable');
    }
  }
}

/** The stage's factory for stages.ts. */
export const depsStage: StageFactory = (kit) => new DepsStage(kit);
