import path from 'node:path';
import type { CiConfig, CiPipelineConfig } from '../config/index.js';
import { errorMessage } from '../core/index.js';
import type { TemplateMiner } from '../detect/logs/index.js';
import { RERUN_CLASSES } from '../diagnose/index.js';
import {
  type CiEvent,
  CiHistory,
  type CiSummary,
  FloodLimit,
  importCiHistoryFile,
  memoryCiBackend,
  newCiMiner,
  type Received,
  receive,
  summarizeCi,
  type WebhookRequest,
} from '../sources/ci/index.js';
import { CiChecks } from './ci-checks.js';
import { ciClientFromEnv } from './ci-client-env.js';
import { ciFinding } from './ci-finding.js';
import { judgeCiRun } from './ci-judge.js';
import { rerunCapReason } from './ci-rerun-cap.js';
import { handledKey, runKeyOf } from './ci-run-keys.js';
import type { StageHost } from './host.js';
import type { Stage, StageFactory } from './stage.js';

export type CiAnswer =
  | { ok: true; accepted: number; ignored?: string }
  | { ok: false; status: number; reason: string };

/**
 * CI/CD failure recovery at runtime: the receivers' verified events arrive here; a failed run of a watched
 * pipeline has its failed jobs' logs fetched, cut to the failing step, mined to templates and classified,
 * and becomes a finding of its service's `ci:<pipeline>` check (down), carrying the verdict and what the
 * `ci_rerun` action needs as labels; the run's success forces the check up, which lets the incident resolve.
 * Re-runs seen on the bus teach the history whether a re-run fixes a template.
 */
export class CiStage implements Stage {
  readonly name = 'ci';
  private history = new CiHistory(memoryCiBackend());
  private readonly flood = new FloodLimit(() => this.ci().rate_limit);
  private readonly miners = new Map<string, TemplateMiner>();
  private readonly checks: CiChecks;
  private readonly work = new Set<Promise<void>>();
  private offs: (() => void)[] = [];

  constructor(
    private readonly host: StageHost,
    private readonly env: NodeJS.ProcessEnv = process.env,
  ) {
    this.checks = new CiChecks(host);
  }

  private ci(): CiConfig {
    return this.host.config().config.ci;
  }

  async start(): Promise<void> {
    const loaded = this.host.config();
    this.history = new CiHistory(this.host.store);
    await this.importFile(path.resolve(loaded.baseDir, loaded.config.store.dir, 'ci-history.json'));
    this.offs.push(
      this.host.bus.on('action', (a) => {
        if (a.kind !== 'ci-rerun' || a.state !== 'applied' || a.dryRun) return;
        const pipeline = a.params['pipeline'];
        const runKey = a.params['runKey'];
        if (typeof pipeline === 'string' && typeof runKey === 'string')
          this.track(this.history.markReran(pipeline, runKey, this.host.clock.now()));
      }),
    );
  }

  /** The ci-history.json of a replica from before the store held the history: imported once. */
  private async importFile(file: string): Promise<void> {
    try {
      const got = await importCiHistoryFile(file, this.host.store, this.host.clock.now());
      if (got)
        this.host.logger.info(
          { file, imported: got.imported, kept: got.kept },
          'CI history imported into the store (the file is renamed .imported)',
        );
    } catch (err) {
      // The history only sharpens verdicts: Medic starts without it rather than not at all.
      this.host.logger.warn({ file, err: errorMessage(err) }, 'CI history file not imported');
    }
  }

  async reload(): Promise<void> {
    this.checks.reload();
  }

  async stop(): Promise<void> {
    for (const off of this.offs.splice(0)) off();
    await this.idle();
  }

  /** Waits until every event taken so far is handled (tests, shutdown). */
  async idle(): Promise<void> {
    while (this.work.size > 0) await Promise.allSettled([...this.work]);
  }

  /**
   * One webhook request: flood limit, sender verification, replay check, then the events are handled in the
   * background (a provider waits only seconds for its answer). Refusals are audited with their reason.
   */
  async receive(
    provider: CiEvent['provider'],
    req: WebhookRequest & { query: Record<string, unknown>; ip: string },
  ): Promise<CiAnswer> {
    const now = this.host.clock.now();
    // Counted before anything is verified or audited: a flood costs neither HMACs nor audit entries.
    if (!this.flood.take(`${provider}:${req.ip}`, now))
      return { ok: false, status: 429, reason: 'too many webhooks from this sender' };
    const got: Received = receive(provider, req, this.ci(), this.env);
    if (!got.ok) {
      await this.refused(provider, req.ip, got.status, got.reason);
      return got;
    }
    if (got.events.length === 0)
      return { ok: true, accepted: 0, ...(got.ignored && { ignored: got.ignored }) };
    const first = got.events[0] as CiEvent;
    if (await this.history.seenDelivery(provider, first.delivery, now)) {
      const reason = `replayed delivery ${first.delivery}`;
      await this.refused(provider, req.ip, 409, reason);
      return { ok: false, status: 409, reason };
    }
    for (const e of got.events) this.track(this.handle(e));
    return { ok: true, accepted: got.events.length };
  }

  private track(p: Promise<void>): void {
    const done = p
      .catch((err) => this.host.logger.error({ err: errorMessage(err) }, 'CI event failed'))
      .finally(() => this.work.delete(done));
    this.work.add(done);
  }

  private async refused(provider: string, ip: string, status: number, reason: string): Promise<void> {
    this.host.logger.warn({ provider, ip, status, reason }, 'CI webhook refused');
    await this.host.store
      .audit({
        at: this.host.clock.now(),
        actor: `ci:${provider}`,
        event: 'ci.webhook_refused',
        subject: provider,
        data: { status, reason, ip },
      })
      .catch((err) => this.host.logger.error({ err: errorMessage(err) }, 'audit failed'));
  }

  /** The CI page's figures since `since`: pipelines, failures by class, re-runs, flakiest tests. */
  async summary(since: number): Promise<CiSummary> {
    return summarizeCi(await this.history.all(), this.ci().pipelines, since);
  }

  /** The watched pipeline an event belongs to (provider, repository, branch), if any. */
  pipelineOf(e: CiEvent): [string, CiPipelineConfig] | null {
    for (const [name, p] of Object.entries(this.ci().pipelines)) {
      if (p.provider !== e.provider) continue;
      const same =
        p.repository.toLowerCase() === e.repository.toLowerCase() ||
        (e.projectId !== undefined && p.repository === String(e.projectId));
      if (!same) continue;
      if (p.branches.includes('*') || (e.branch !== null && p.branches.includes(e.branch))) return [name, p];
    }
    return null;
  }

  async handle(e: CiEvent): Promise<void> {
    const match = this.pipelineOf(e);
    if (!match) {
      this.host.logger.debug(
        { provider: e.provider, repository: e.repository, branch: e.branch },
        'CI event of no watched pipeline',
      );
      return;
    }
    const [name, p] = match;
    const check = `ci:${name}`;
    const runKey = runKeyOf(e);
    if (e.conclusion === 'success') {
      // One job passing says nothing of its run: only the run's own success (GitHub workflow_run, GitLab
      // pipeline) turns the check green.
      if (e.jobId !== null && e.provider !== 'jenkins') return;
      await this.history.settle(name, runKey, true, e.at, { commit: e.commit, workflow: e.workflow });
      if (this.checks.state(p.service, check) === 'down') {
        this.checks.set(p.service, check, 'up');
        await this.host.applyCheck(
          p.service,
          check,
          'up',
          `${e.workflow} passed on ${e.branch ?? e.repository}`,
          {},
        );
      }
      return;
    }
    if (e.conclusion !== 'failure') return;
    // A job's event and its run's event name the same failure: the first replica to take it judges it (the
    // store's delivery keys are atomic across replicas).
    if (await this.history.seenDelivery('judged', `${name}:${handledKey(e)}`, this.host.clock.now())) return;
    await this.history.settle(name, runKey, false, e.at);
    const judged = await judgeCiRun(e, {
      client: ciClientFromEnv(this.ci(), e.provider, this.env),
      history: () => this.history.view(name),
      miner: this.minerOf(name),
      logMaxBytes: this.ci().log_max_bytes,
    });
    const blocked = RERUN_CLASSES.includes(judged.verdict.cls)
      ? await rerunCapReason(this.ci().reruns, this.history, name, e.commit, this.host.clock.now())
      : null;
    await this.history.recordTests(
      name,
      judged.verdict.tests.flatMap((test) =>
        e.commit ? [{ test, commit: e.commit, passed: false, at: e.at }] : [],
      ),
    );
    await this.history.recordFailure(name, runKey, {
      commit: e.commit,
      cls: judged.verdict.cls,
      tests: judged.verdict.tests,
      templates: judged.templates,
      at: e.at,
      reran: false,
      workflow: e.workflow,
      confidence: judged.verdict.confidence,
      run: e.runId,
      url: e.url,
    });
    const f = ciFinding(this.ci(), name, p, e, judged, blocked, this.host.clock.now());
    this.checks.set(p.service, check, 'down');
    await this.host.applyCheck(p.service, check, 'down', f.summary, f.evidence, f);
  }

  /** The pipeline's template miner, kept across its runs. */
  private minerOf(name: string): TemplateMiner {
    const miner = this.miners.get(name) ?? newCiMiner();
    this.miners.set(name, miner);
    return miner;
  }
}

/** The stage's factory for stages.ts. */
export const ciStage: StageFactory = (kit) => new CiStage(kit.host);
