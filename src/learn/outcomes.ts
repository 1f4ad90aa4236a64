/** Outcome statistics: totals, success rates per (cause, playbook), mean time to heal, learned confidence. */
import type { Outcome } from '../core/index.js';
import { type LearningPolicy, posterior } from './learner.js';

export interface OutcomeGroup {
  cause: string;
  playbook: string;
  attempts: number;
  successes: number;
  failures: number;
  /** Raw successes / attempts. */
  successRate: number;
  /** What the learner makes of a fully confident diagnosis (base 1) for this pair now. */
  learnedConfidence: number;
  meanHealMs: number | null;
  lastAt: number;
}

export interface OutcomeSummary {
  total: number;
  successes: number;
  successRate: number | null;
  meanHealMs: number | null;
  groups: OutcomeGroup[];
}

export function summarizeOutcomes(
  outcomes: readonly Outcome[],
  now: number,
  policy: LearningPolicy,
): OutcomeSummary {
  const byKey = new Map<string, Outcome[]>();
  for (const o of outcomes) {
    const key = `${o.cause}\u0000${o.playbook}`;
    byKey.set(key, [...(byKey.get(key) ?? []), o]);
  }
  const heals = (list: readonly Outcome[]) =>
    list.filter((o) => o.success && o.healMs !== null).map((o) => o.healMs!);
  const mean = (xs: number[]) => (xs.length ? xs.reduce((a, b) => a + b, 0) / xs.length : null);
  const groups: OutcomeGroup[] = [...byKey.values()].map((list) => {
    const first = list[0]!;
    const successes = list.filter((o) => o.success).length;
    return {
      cause: first.cause,
      playbook: first.playbook,
      attempts: list.length,
      successes,
      failures: list.length - successes,
      successRate: successes / list.length,
      learnedConfidence: posterior(1, list, now, policy).confidence,
      meanHealMs: mean(heals(list)),
      lastAt: Math.max(...list.map((o) => o.at)),
    };
  });
  groups.sort((a, b) => b.attempts - a.attempts || a.cause.localeCompare(b.cause));
  const successes = outcomes.filter((o) => o.success).length;
  return {
    total: outcomes.length,
    successes,
    successRate: outcomes.length ? successes / outcomes.length : null,
    meanHealMs: mean(heals(outcomes)),
    groups,
  };
}
