import path from 'node:path';
import { type CiConfig, type CiPipelineConfig, checkName } from '../config/index.js';
import { errorMessage, type Finding, newId } from '../core/index.js';
import { PROCESS_CHECK } from '../detect/index.js';
import type { TemplateMiner } from '../detect/logs/index.js';
import { type CiVerdict, classifyCiFailure, RERUN_CLASSES } from '../diagnose/index.js';
import {
  type CiEvent,
  CiHistory,
  type CiSummary,
  type CiTarget,
  ciClient,
  cutToFailingStep,
  FloodLimit,
  importCiHistoryFile,
  memoryCiBackend,
  mineLog,
  newCiMiner,
  type Received,
  receive,
  summarizeCi,
  type WebhookRequest,
} from '../sources/ci/index.js';
import { reportLabels } from './ci-report-labels.js';
import type { StageHost } from './host.js';
import type { Stage, StageFactory } from './stage.js';

/** Jobs of one failed run whose logs are read: a run with more failed jobs is judged by its first ones. */
const MAX_JOBS = 3;
const DAY = 86_400_000;
/** Classes by how much they forbid a re-run: one job failing on the code makes the whole run a code failure. */
const PRECEDENCE = ['config', 'code', 'dependency', 'flaky_test', 'infrastructure'] as const;

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
  /** service → CI check → its state, declared beside the service's own checks. */
  private readonly checks = new Map<string, Map<string, 'down' | 'up'>>();
  private readonly work = new Set<Promise<void>>();
  private offs: (() => void)[] = [];

  constructor(
    private readonly host: StageHost,
    private readonly env: NodeJS.ProcessEnv = process.env,
  ) {}

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
    const services = this.host.config().config.services;
    for (const [service, checks] of this.checks) {
      if (!services[service]) {
        this.checks.delete(service);
        continue;
      }
      this.declare(service);
      for (const [check, state] of checks)
        this.host.health.force(service, check, state, this.host.clock.now(), `${check} (after reload)`, {});
    }
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
      if (this.checks.get(p.service)?.get(check) === 'down') {
        this.setTracked(p.service, check, 'up');
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
    const judged = await this.judge(name, e);
    const blocked = RERUN_CLASSES.includes(judged.verdict.cls) ? await this.capReason(name, e.commit) : null;
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
    const f = this.finding(name, p, e, judged, blocked);
    this.setTracked(p.service, check, 'down');
    await this.host.applyCheck(p.service, check, 'down', f.summary, f.evidence, f);
  }

  /** The failed jobs' logs, cut, mined and classified; the run's verdict is its most forbidding job's. */
  private async judge(
    name: string,
    e: CiEvent,
  ): Promise<{
    verdict: CiVerdict;
    step: string | null;
    templates: { key: string; text: string }[];
    notes: string[];
  }> {
    const notes: string[] = [];
    const client = this.client(e.provider);
    const target = targetOf(e);
    let jobs = e.jobId ? [{ id: e.jobId, name: e.jobName ?? '', failedStep: e.failedStep }] : [];
    if (jobs.length === 0 && client) {
      jobs = await client.failedJobs(target).catch((err) => {
        notes.push(`failed jobs not listed: ${errorMessage(err)}`);
        return [];
      });
    }
    if (jobs.length === 0 && e.provider === 'jenkins')
      jobs = [{ id: e.runId, name: e.repository, failedStep: null }];
    // One snapshot of the history for the whole run: its jobs are judged alike.
    const history = await this.history.view(name);
    const miner = this.miners.get(name) ?? newCiMiner();
    this.miners.set(name, miner);
    const judged: { verdict: CiVerdict; step: string | null; templates: { key: string; text: string }[] }[] =
      [];
    for (const job of jobs.slice(0, MAX_JOBS)) {
      let lines: string[] = [];
      if (client) {
        lines = await client.jobLog(target, job.id, this.ci().log_max_bytes).catch((err) => {
          notes.push(`log of job ${job.name || job.id} not read: ${errorMessage(err)}`);
          return [];
        });
      }
      const cut = cutToFailingStep(e.provider, lines);
      const templates = mineLog(miner, cut.lines, e.at);
      const verdict = classifyCiFailure(
        {
          lines: cut.lines,
          templates,
          commit: e.commit,
          providerReason: e.providerReason,
          step: cut.step,
          at: e.at,
        },
        history,
      );
      judged.push({
        verdict,
        step: job.failedStep ?? cut.step,
        templates: templates.map((t) => ({ key: t.key, text: t.text })),
      });
    }
    if (judged.length === 0) {
      const verdict = classifyCiFailure(
        { lines: [], templates: [], commit: e.commit, providerReason: e.providerReason, at: e.at },
        history,
      );
      judged.push({ verdict, step: e.failedStep, templates: [] });
    }
    const rank = (v: CiVerdict) => PRECEDENCE.indexOf(v.cls);
    judged.sort((a, b) => rank(a.verdict) - rank(b.verdict) || a.verdict.confidence - b.verdict.confidence);
    const chosen = judged[0] as (typeof judged)[number];
    return { ...chosen, notes };
  }

  /** Why a re-run may not happen now (`ci.reruns`), or null. */
  private async capReason(name: string, commit: string | null): Promise<string | null> {
    const caps = this.ci().reruns;
    const now = this.host.clock.now();
    const r = await this.history.reruns(name, now - DAY, commit);
    if (commit && r.ofCommit >= caps.per_commit)
      return `${r.ofCommit} re-runs of commit ${commit.slice(0, 12)} already (ci.reruns.per_commit ${caps.per_commit})`;
    if (r.total >= caps.per_day)
      return `${r.total} re-runs in 24 h already (ci.reruns.per_day ${caps.per_day})`;
    const wait = caps.backoff * 2 ** Math.max(0, r.total - 1);
    if (r.last !== null && now - r.last < wait)
      return `the last re-run was ${Math.round((now - r.last) / 1000)} s ago; the backoff is ${Math.round(wait / 1000)} s`;
    return null;
  }

  private finding(
    name: string,
    p: CiPipelineConfig,
    e: CiEvent,
    judged: { verdict: CiVerdict; step: string | null; notes: string[] },
    blocked: string | null,
  ): Finding {
    const v = judged.verdict;
    const where = e.branch ? ` on ${e.branch}` : '';
    const first = v.failingLines[0];
    const provider = this.ci()[e.provider];
    const api = provider ? ('api_url' in provider ? provider.api_url : provider.url) : '';
    const labels: Record<string, string> = {
      ci_provider: e.provider,
      ci_pipeline: name,
      ci_repository: e.repository,
      ci_run: e.runId,
      ci_run_key: runKeyOf(e),
      ci_job: e.jobId ?? '',
      ci_branch: e.branch ?? '',
      ci_commit: e.commit ?? '',
      ci_class: v.cls,
      ci_api: api,
      // Names of the environment variables, never their values.
      ci_token_env: provider?.token_env ?? '',
      ci_user_env: provider && 'user_env' in provider ? (provider.user_env ?? '') : '',
      ci_project_id: e.projectId !== undefined ? String(e.projectId) : '',
      ci_rerun_blocked: blocked ?? '',
      // What ci_comment and ci_flaky_issue post (redacted here, before anything leaves the process), and whether
      // the ci section turned them on.
      ...reportLabels(this.ci(), v, judged.step, e.url),
    };
    return {
      id: newId('fnd'),
      service: p.service,
      check: `ci:${name}`,
      kind: 'down',
      severity: RERUN_CLASSES.includes(v.cls) ? 'warning' : 'critical',
      score: v.confidence,
      summary: `${e.workflow}${where} failed: ${v.cls} (confidence ${v.confidence})${first ? `: ${first}` : ''}`,
      evidence: {
        ci: {
          cls: v.cls,
          confidence: v.confidence,
          evidence: [...v.evidence, ...(blocked ? [`no re-run: ${blocked}`] : []), ...judged.notes],
          failingLines: v.failingLines,
          ciRuns: v.ciRuns,
          tests: v.tests,
          step: judged.step,
          signature: v.signature,
          url: e.url,
          run: e.runId,
          attempt: e.attempt,
        },
        labels,
      },
      at: this.host.clock.now(),
    };
  }

  /** The provider's API client with its credentials from the environment, or null without an API token. */
  private client(provider: CiEvent['provider']) {
    const ci = this.ci();
    const c = ci[provider];
    if (!c?.token_env) return null;
    const token = this.env[c.token_env];
    if (!token) return null;
    const baseUrl = 'api_url' in c ? c.api_url : c.url;
    const user = 'user_env' in c && c.user_env ? this.env[c.user_env] : undefined;
    return ciClient(provider, { baseUrl, token, user });
  }

  private setTracked(service: string, check: string, state: 'down' | 'up'): void {
    const checks = this.checks.get(service) ?? new Map<string, 'down' | 'up'>();
    const known = checks.has(check);
    checks.set(check, state);
    this.checks.set(service, checks);
    if (!known || !this.host.health.checks(service).some((c) => c.name === check)) this.declare(service);
  }

  /**
   * The service's checks as the health model holds them, plus its CI checks. Checks declared by others (the
   * configured ones, alert checks) are kept with their thresholds; a CI check is declared only once its
   * pipeline has failed, so a service whose pipeline was never red is not held "unknown" by it.
   */
  private declare(service: string): void {
    const s = this.host.config().config.services[service];
    if (!s) return;
    const configured = new Map(
      s.checks.map((c, i) => [checkName(c, i), { downAfter: c.down_after, upAfter: c.up_after }] as const),
    );
    if (s.run) configured.set(PROCESS_CHECK, { downAfter: 1, upAfter: 1 });
    const names = new Set([
      ...configured.keys(),
      ...this.host.health.checks(service).map((c) => c.name),
      ...(this.checks.get(service)?.keys() ?? []),
    ]);
    this.host.health.define(
      service,
      [...names].map((name) => ({ name, opts: configured.get(name) ?? { downAfter: 1, upAfter: 1 } })),
    );
  }
}

/** What the result of a re-run comes back under: GitHub and GitLab re-run in place, Jenkins builds anew. */
function runKeyOf(e: CiEvent): string {
  return e.provider === 'jenkins' ? `job:${e.repository}` : `run:${e.runId}`;
}

/** One failure: a GitHub run attempt, a GitLab pipeline's failed job, a Jenkins build. */
function handledKey(e: CiEvent): string {
  if (e.provider === 'github') return `${e.runId}:${e.attempt}`;
  if (e.provider === 'gitlab') return `${e.runId}:${e.jobId ?? ''}`;
  return e.runId;
}

function targetOf(e: CiEvent): CiTarget {
  return {
    provider: e.provider,
    repository: e.repository,
    ...(e.projectId !== undefined && { projectId: e.projectId }),
    runId: e.runId,
    jobId: e.jobId,
    branch: e.branch,
  };
}

/** The stage's factory for stages.ts. */
export const ciStage: StageFactory = (kit) => new CiStage(kit.host);
