import { errorMessage, newId } from '../core/index.js';
import { explain, type Learner, type Posterior } from '../learn/index.js';
import { dropsBacklog } from './backlog.js';
import type { EngineDeps } from './deps.js';
import { evaluateGuard, type GuardDecision } from './guard.js';
import { KEEPALIVE } from './keeper.js';
import { matchPlaybooks } from './playbooks.js';
import {
  type Context,
  DOES_NOT_APPLY,
  journalSteps,
  type PlannedStep,
  planSteps,
  type Run,
  templateVars,
  UNKNOWN_CAUSE,
} from './run.js';
import { activeMaintenance, findingLabels, silenceMatches } from './silences.js';

/** How many notes-already-made keys are remembered. */
const NOTED_MAX = 1_000;

/** What a decision hands on to the rest of the engine; each is one call, so the pieces stay apart. */
export interface DecideHooks {
  context(service: string): Context | undefined;
  /** Sweeps stale approvals first, so one that timed out does not keep blocking a new decision. */
  expireApprovals(): Promise<number>;
  /** The run now waits for a human: expire it on time. */
  awaitApproval(runId: string): void;
  execute(run: Run, planned: PlannedStep[]): Promise<void>;
  /** Services other than `service` with a heal in flight, on any replica: the guard's concurrency rail. */
  inFlight(service: string): Promise<number>;
  escalate(run: Run, why: string): Promise<void>;
  schedule(service: string, delay: number, only?: string): void;
  /** The stop switch or a silence refused the heal: decide again when it lifts. */
  block(service: string): void;
  /**
   * No playbook covers the finding (`setAside`: those that matched but did not apply on this incident): a
   * human is told if the service still fails.
   */
  unhandled(f: Context['finding'], setAside?: readonly string[]): void;
  /** Diagnoses the service afresh and keeps that diagnosis in its context; returns the context now. */
  rediagnose(service: string): Promise<Context | undefined>;
}

/**
 * Decides one heal: the finding (with its diagnosis, if any) picks the candidate playbooks, the learner ranks
 * them by how well each did for that cause, the best is planned (a plan out of bounds is refused and
 * escalated), and the guard rules on it: run, ask a human, suggest, dry run, or not now.
 */
/** A hold longer than this (or the backoff cap, if shorter) is a human's business: the incident escalates. */
const HOLD_CAP_MS = 300_000;

/** How often a heal waiting for an upstream looks again. */
const UPSTREAM_RECHECK_MS = 1_000;

/** Keeps the newest `NOTED_MAX` keys of a set or map (insertion order is age). */
function trim(c: Set<string> | Map<string, unknown>): void {
  if (c.size > NOTED_MAX) c.delete(c.keys().next().value as string);
}

function remember(set: Set<string>, key: string): void {
  set.add(key);
  trim(set);
}

export class Decider {
  /** Waits already noted on their incident (incident|service|upstream): once each. */
  private readonly waitNoted = new Set<string>();
  /** Services that waited for an upstream in an incident (incident|service), not yet decided since. */
  private readonly waited = new Set<string>();
  /** Skipped actions → whether they were skipped because they did not apply. */
  private readonly skippedWhy = new Map<string, boolean>();

  constructor(
    private readonly d: Pick<
      EngineDeps,
      'config' | 'store' | 'clock' | 'bus' | 'incidents' | 'journal' | 'upstreamBlocking'
    >,
    private readonly learner: Learner,
    private readonly hooks: DecideHooks,
  ) {}

  /**
   * `only` names the playbook to retry after a back-off, unless a playbook whose trigger says `after: only`
   * matches: that next rung of the ladder runs instead; or unless `only` no longer matches the latest finding
   * while others do: they compete instead. Else every matching playbook competes, a rung
   * replacing the one it comes after; a rung whose predecessor has not failed on this incident waits.
   */
  async decide(service: string, only?: string): Promise<void> {
    const cfg = this.d.config().config;
    const incident = await this.d.store.activeIncident(service);
    let ctx = this.hooks.context(service);
    if (!incident || !ctx) return;
    const now = this.d.clock.now();
    await this.hooks.expireApprovals();
    const waiting = await this.d.store.listActions({
      incidentId: incident.id,
      state: 'awaiting_approval',
      limit: 1,
    });
    if (waiting.total > 0) return; // a human is already asked about this incident
    // Whatever order the findings came in, a dependent is not healed for an upstream's fault: it is looked
    // at again shortly, and heals by itself, or gets its own heal, once the upstream is well.
    const upstream = await this.d.upstreamBlocking?.(service);
    if (upstream) {
      const key = `${incident.id}|${service}|${upstream}`;
      if (!this.waitNoted.has(key)) {
        // Keys name incidents, which end: keep the newest only (a note repeated after that is harmless).
        remember(this.waitNoted, key);
        await this.d.incidents.note(
          incident.id,
          `${service} waits for ${upstream}, which it depends on and which is failing: no action on ${service} while it does`,
          { service, upstream },
        );
      }
      remember(this.waited, `${incident.id}|${service}`);
      this.hooks.schedule(service, UPSTREAM_RECHECK_MS, only);
      return;
    }
    // Diagnosed while an upstream failed, the service's cause was read through the upstream's trouble (the
    // database's connections, not the API's own error burst): with the upstream well, it is looked at again.
    if (this.waited.delete(`${incident.id}|${service}`)) {
      ctx = (await this.hooks.rediagnose(service)) ?? ctx;
      if (!(await this.d.store.activeIncident(service))) return;
    }
    const cause = ctx.diagnosis?.cause ?? UNKNOWN_CAUSE;
    const base = baseConfidence(ctx);
    const failed = await this.failedOn(incident);
    const setAside = await this.setAsideOn(incident.id);
    const all = matchPlaybooks(cfg, ctx.finding, ctx.diagnosis);
    const matched = all.filter(
      (m) =>
        !setAside.has(m.name) &&
        ctx.finding.at + m.playbook.when.for <= now &&
        (m.playbook.when.after === undefined || failed.has(m.playbook.when.after)),
    );
    const superseded = new Set(matched.map((m) => m.playbook.when.after));
    const next = matched.filter((m) => only !== undefined && m.playbook.when.after === only);
    // The playbooks of the cause diagnosed (a look again after the failed heal may have found one).
    const forCause = matched.filter(
      (m) => ctx.diagnosis?.playbooks.includes(m.name) && !superseded.has(m.name),
    );
    // A retry whose playbook no longer matches what the service shows now (a newer finding of another kind)
    // gives way to the playbooks that do; one the diagnosis has no word for gives way to the cause's own.
    const stale =
      only !== undefined &&
      next.length === 0 &&
      matched.length > 0 &&
      (!matched.some((m) => m.name === only) ||
        (forCause.length > 0 && !forCause.some((m) => m.name === only)));
    const names =
      only === undefined || stale
        ? (stale && forCause.length > 0 ? forCause : matched.filter((m) => !superseded.has(m.name))).map(
            (m) => m.name,
          )
        : next.length > 0
          ? next.map((m) => m.name)
          : cfg.playbooks[only] && !setAside.has(only)
            ? [only]
            : [];
    if (names.length === 0) {
      // A playbook whose `for` has not held yet: a newer finding of the trouble (another check failing) took
      // the place of the one the decision waited for. Decided again when it has held, never dropped.
      const holdsAt = all
        .filter(
          (m) =>
            !setAside.has(m.name) &&
            (m.playbook.when.after === undefined || failed.has(m.playbook.when.after)),
        )
        .map((m) => ctx.finding.at + m.playbook.when.for)
        .filter((at) => at > now);
      if (holdsAt.length > 0) {
        this.hooks.schedule(service, Math.min(...holdsAt) - now, only);
        return;
      }
      // Nothing to run now; with nothing that could ever match (not a rung waiting for its turn), watching
      // only must not be silent.
      if (all.every((m) => setAside.has(m.name)))
        this.hooks.unhandled(
          ctx.finding,
          all.map((m) => m.name),
        );
      return;
    }
    const ranked = await this.learner.rank(
      cause,
      names.map((name) => ({ name, base })),
    );
    const best = ranked[0]!;
    const playbook = cfg.playbooks[best.name]!;
    const run: Run = {
      id: newId('run'),
      service,
      name: best.name,
      playbook,
      incident,
      cause,
      confidence: best.posterior.confidence,
      vars: templateVars(service, incident, ctx),
    };

    // Plan first: a plan the action refuses (a value out of bounds, a bad name) never reaches the guard.
    let planned: PlannedStep[];
    try {
      planned = planSteps(this.d, run);
      // A heal that would destroy what the finding is about (a broker's queued jobs) is no heal.
      const harm = dropsBacklog(cfg, ctx.finding, planned);
      if (harm) throw new Error(harm);
    } catch (err) {
      const reason = `playbook ${run.name} refused at planning: ${errorMessage(err)}`;
      await this.d.store.audit({
        at: now,
        actor: 'medic',
        event: 'plan.refused',
        subject: service,
        data: { playbook: run.name, incident: incident.id, reason },
      });
      await this.d.incidents.note(incident.id, reason);
      await this.hooks.escalate(run, reason);
      return;
    }

    const decision = await this.guard(run, ctx, {
      value: best.posterior.confidence,
      why: explain(best.posterior),
    });
    await this.auditDecision(run, decision, best.posterior, ranked);
    switch (decision.verdict) {
      case 'run':
        return this.hooks.execute(run, planned);
      case 'ask':
      case 'suggest':
      case 'dry_run': {
        const state = decision.verdict === 'ask' ? 'awaiting_approval' : 'skipped';
        await journalSteps(this.d, run, planned, state, decision.reason, decision.verdict === 'dry_run');
        if (decision.verdict === 'ask') {
          this.hooks.awaitApproval(run.id);
          // Waiting for a human is a hold like any other: the human is told, not left to find it.
          this.d.bus.emit('escalation', {
            service,
            incidentId: incident.id,
            reason: `${service} is failing and Medic waits for approval to run ${run.name}: ${decision.reason}`,
            at: now,
          });
        }
        await this.d.incidents.note(incident.id, `playbook ${run.name}: ${decision.reason}`);
        return;
      }
      default:
        return this.notRun(run, decision);
    }
  }

  /**
   * The guard's verdict on the run now, from the store's state and the config as it is. `approved`: a human
   * approved this run, which passes the rails that would ask one (the others, dry-run included, still
   * apply); the run's own journaled steps do not count against its rate limit.
   */
  async guard(
    run: Run,
    ctx: Context | undefined,
    confidence: { value: number; why: string },
    approved = false,
  ): Promise<GuardDecision> {
    const cfg = this.d.config().config;
    const { service } = run;
    const now = this.d.clock.now();
    const labels = ctx ? findingLabels(ctx.finding, ctx.diagnosis?.cause) : { service };
    const silences = await this.d.store.listSilences({ activeAt: now });
    const window = activeMaintenance(cfg.policy.maintenance, service, now);
    return evaluateGuard({
      service,
      playbook: run.name,
      autonomy: run.playbook.autonomy ?? cfg.services[service]?.autonomy ?? cfg.policy.autonomy,
      policy: cfg.policy,
      state: await this.d.store.getGuardState(service),
      recentRuns: await this.recentRuns(service, now - cfg.policy.rate_limit.window, run.id),
      now,
      stop: await this.d.store.getHealingSwitch(),
      maintenance: window ? { name: window.window.name ?? window.window.cron, closes: window.closes } : null,
      silence: silences.find((s) => silenceMatches(s, labels, now)) ?? null,
      confidence,
      inFlight: await this.hooks.inFlight(service),
      playbookTargets: await this.playbookTargets(run.name, now - cfg.policy.blast_radius.window),
      approved,
    });
  }

  /**
   * A denial: noted on the incident; retried when it lifts by itself, or when the stop/silence lifts. A hold
   * that will not lift within the backoff cap (an escalation, the stop switch, the rate limit, a long silence)
   * changes how Medic acts, never whether anyone knows: the incident is handed to a human, once.
   */
  async notRun(run: Run, decision: GuardDecision): Promise<void> {
    const now = this.d.clock.now();
    await this.d.incidents.note(run.incident.id, `playbook ${run.name} not run: ${decision.reason}`);
    if (decision.rail === 'stop_switch' || decision.rail === 'silence') this.hooks.block(run.service);
    if (decision.retryAt !== undefined)
      this.hooks.schedule(run.service, Math.max(0, decision.retryAt - now), run.name);
    const cap = Math.min(this.d.config().config.policy.backoff.max, HOLD_CAP_MS);
    const lifts = decision.retryAt !== undefined && decision.retryAt - now <= cap;
    if (lifts || decision.rail === 'autonomy') return;
    const current = await this.d.store.getIncident(run.incident.id);
    if (!current || current.state === 'escalated' || current.state === 'resolved') return;
    await this.hooks.escalate(
      run,
      `${run.service} is failing and Medic holds its heal (${decision.reason}); a human is needed, or the hold to lift`,
    );
  }

  /** Every verdict is audited with the candidates and their confidence: why Medic did (or did not) act. */
  private async auditDecision(
    run: Run,
    decision: GuardDecision,
    p: Posterior,
    ranked: readonly { name: string; posterior: Posterior }[],
  ): Promise<void> {
    await this.d.store.audit({
      at: this.d.clock.now(),
      actor: 'medic',
      event: `guard.${decision.verdict}`,
      subject: run.service,
      data: {
        playbook: run.name,
        incident: run.incident.id,
        rail: decision.rail,
        reason: decision.reason,
        cause: run.cause,
        confidence: Number(p.confidence.toFixed(4)),
        candidates: ranked.map((r) => ({
          playbook: r.name,
          confidence: Number(r.posterior.confidence.toFixed(4)),
        })),
      },
    });
  }

  /** Playbooks that failed on this incident (their recorded outcomes): what `when.after` rungs wait for. */
  private async failedOn(incident: { id: string; service: string; openedAt: number }): Promise<Set<string>> {
    const outcomes = await this.d.store.listOutcomesBy({
      service: incident.service,
      since: incident.openedAt,
    });
    return new Set(outcomes.filter((o) => o.incidentId === incident.id && !o.success).map((o) => o.playbook));
  }

  /**
   * Playbooks set aside on this incident: one of their steps found nothing to do (journaled `skipped` with
   * DOES_NOT_APPLY). Their premise does not hold for this trouble; running them again would find the same.
   */
  private async setAsideOn(incidentId: string): Promise<Set<string>> {
    const { items } = await this.d.store.listActions({ incidentId, state: 'skipped', limit: 500 });
    const out = new Set<string>();
    for (const a of items) {
      if (out.has(a.playbook)) continue;
      // Skipped is final: each action's journal is read once (a suggest-mode incident skips every heal).
      let notApplicable = this.skippedWhy.get(a.id);
      if (notApplicable === undefined) {
        const last = (await this.d.store.journal(a.id)).at(-1);
        notApplicable = last?.message.startsWith(DOES_NOT_APPLY) === true;
        this.skippedWhy.set(a.id, notApplicable);
        trim(this.skippedWhy);
      }
      if (notApplicable) out.add(a.playbook);
    }
    return out;
  }

  /**
   * Heals started on the service since `since` (other than `exceptRun`): the guard's rate limit. Keepalive
   * starts are supervision, not heals, and back off on their own.
   */
  private async recentRuns(service: string, since: number, exceptRun?: string): Promise<number> {
    const { items } = await this.d.store.listActions({ service, since });
    return items.filter(
      (a) =>
        a.step === 0 &&
        !a.dryRun &&
        a.state !== 'skipped' &&
        a.playbook !== KEEPALIVE &&
        (exceptRun === undefined || a.params['runId'] !== exceptRun),
    ).length;
  }

  /** Distinct services a playbook started on since `since` (not counting dry runs and skipped plans). */
  private async playbookTargets(playbook: string, since: number): Promise<string[]> {
    const { items } = await this.d.store.listActions({ since });
    const out = new Set<string>();
    for (const a of items) {
      if (
        a.playbook === playbook &&
        a.step === 0 &&
        !a.dryRun &&
        a.state !== 'skipped' &&
        a.state !== 'awaiting_approval'
      )
        out.add(a.service);
    }
    return [...out];
  }
}

/** The diagnosis' confidence; with none, 1 for a service that is down (today's behaviour), else the score. */
function baseConfidence(ctx: Context): number {
  if (ctx.diagnosis) return ctx.diagnosis.confidence;
  return ctx.finding.kind === 'down' ? 1 : Math.min(1, Math.max(0, ctx.finding.score));
}
