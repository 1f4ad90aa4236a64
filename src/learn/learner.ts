/**
 * The learner: how much to trust a playbook for a cause, from what happened when it ran before.
 *
 * Formula. Let c be the confidence the diagnosis gives (1 for a plain `down` of a supervised or probed
 * service with no diagnosis), w the prior weight (`policy.learning.prior_weight`, default 12) and h the half
 * life (`policy.learning.half_life`, default 30 days). Each past outcome of the (cause, playbook) at time t
 * weighs 2^(−(now − t)/h); S and F are the summed weights of successes and failures. The playbook's success
 * probability is Beta(α, β) with α = w·c + S and β = w·(1 − c) + F: a prior whose mean is the diagnosis'
 * confidence, worth w outcomes. The adjusted confidence is the posterior mean
 *
 *     confidence = (w·c + S) / (w + S + F)
 *
 * With no history it is c. With c = 1 and w = 12: 2 fresh failures give 12/14 ≈ 0.857 (still above the 0.85
 * threshold), 3 give 0.80 and 5 give 0.71 (a human is asked); successes pull it back towards 1, and old
 * outcomes fade, so a playbook that was fixed earns trust back. Candidate playbooks are ranked by it.
 *
 * An incident is one piece of evidence: a playbook retried on one incident (a crash loop a restart cannot
 * end: three failed restarts, then an escalation) counts once, by how it ended there (its latest outcome).
 * Those retries share one cause, so counting each would let one bad hour ask a human for every later plain
 * crash. An outcome with no incident counts alone.
 */
import type { Clock, Outcome } from '../core/index.js';
import type { Store } from '../store/index.js';

export interface LearningPolicy {
  prior_weight: number;
  half_life: number;
}

export interface Posterior {
  /** The diagnosis' confidence: the prior mean. */
  base: number;
  alpha: number;
  beta: number;
  /** The posterior mean: the learner-adjusted confidence. */
  confidence: number;
  /** Outcomes counted: one per incident (its latest), and each with no incident. */
  attempts: number;
  successes: number;
  /** Time-decayed weights of successes and failures. */
  weightedSuccesses: number;
  weightedFailures: number;
}

/** How much an outcome `ageMs` old still counts. */
export function decay(ageMs: number, halfLife: number): number {
  return 0.5 ** (Math.max(0, ageMs) / halfLife);
}

type Evidence = Pick<Outcome, 'success' | 'at'> & { incidentId?: string | null; service?: string };

/** The outcomes the learner counts: each incident's latest, and every outcome that has no incident. */
export function perIncident<T extends Evidence>(outcomes: readonly T[]): T[] {
  const alone: T[] = [];
  const latest = new Map<string, T>();
  for (const o of outcomes) {
    if (!o.incidentId) alone.push(o);
    else {
      // Per service too: one incident holds its dependents' services, and a playbook for any service
      // (`when.service: *`) that failed on one and healed another has two pieces of evidence there.
      const key = `${o.incidentId}|${o.service ?? ''}`;
      if ((latest.get(key)?.at ?? Number.NEGATIVE_INFINITY) <= o.at) latest.set(key, o);
    }
  }
  return [...alone, ...latest.values()];
}

/** The Beta posterior of a playbook's success for a cause (see the file comment for the formula). */
export function posterior(
  base: number,
  all: readonly Evidence[],
  now: number,
  policy: LearningPolicy,
): Posterior {
  const c = Math.min(1, Math.max(0, base));
  const outcomes = perIncident(all);
  let s = 0;
  let f = 0;
  let successes = 0;
  for (const o of outcomes) {
    const w = decay(now - o.at, policy.half_life);
    if (o.success) {
      s += w;
      successes++;
    } else f += w;
  }
  const alpha = policy.prior_weight * c + s;
  const beta = policy.prior_weight * (1 - c) + f;
  return {
    base: c,
    alpha,
    beta,
    confidence: alpha / (alpha + beta),
    attempts: outcomes.length,
    successes,
    weightedSuccesses: s,
    weightedFailures: f,
  };
}

export interface Candidate {
  name: string;
  /** The diagnosis' confidence for this playbook. */
  base: number;
}

export interface RankedCandidate extends Candidate {
  posterior: Posterior;
}

/** How many past outcomes of one (cause, playbook) the learner reads. */
const HISTORY = 500;

export class Learner {
  constructor(
    private readonly store: Store,
    private readonly clock: Clock,
    private readonly policy: () => LearningPolicy,
  ) {}

  async assess(cause: string, playbook: string, base: number): Promise<Posterior> {
    // Drill outcomes are left out: a game day's heals (and its failures on purpose) are not evidence.
    const outcomes = await this.store.listOutcomesBy({ cause, playbook, limit: HISTORY, drill: false });
    return posterior(base, outcomes, this.clock.now(), this.policy());
  }

  /** Candidates by learned confidence, best first; ties keep the given order (the config's). */
  async rank(cause: string, candidates: readonly Candidate[]): Promise<RankedCandidate[]> {
    const ranked = await Promise.all(
      candidates.map(async (c, i) => ({ ...c, i, posterior: await this.assess(cause, c.name, c.base) })),
    );
    ranked.sort((a, b) => b.posterior.confidence - a.posterior.confidence || a.i - b.i);
    return ranked.map(({ i: _i, ...r }) => r);
  }
}

/** One line of why the confidence is what it is, for the audit log and the incident timeline. */
export function explain(p: Posterior): string {
  const base = p.base.toFixed(2);
  if (p.attempts === 0) return `confidence ${p.confidence.toFixed(2)} (diagnosis ${base}, no history)`;
  return `confidence ${p.confidence.toFixed(2)} (diagnosis ${base}; ${p.successes} of ${p.attempts} past incidents healed by it)`;
}
