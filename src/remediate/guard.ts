import type { Autonomy, PolicyConfig } from '../config/index.js';
import { formatDuration } from '../core/index.js';
import type { GuardState } from '../store/index.js';

export type GuardVerdict = 'run' | 'ask' | 'suggest' | 'observe' | 'dry_run' | 'deny';

export interface GuardDecision {
  verdict: GuardVerdict;
  reason: string;
  /** For a backoff denial: when a retry may run. */
  retryAt?: number;
}

export interface GuardInput {
  service: string;
  playbook: string;
  autonomy: Autonomy;
  policy: PolicyConfig;
  state: GuardState | null;
  /** Playbook runs started for this service inside the rate-limit window. */
  recentRuns: number;
  now: number;
}

/**
 * The safety rails, in DESIGN.md's order; the first that says no wins. Approval and dry-run come last: a
 * human is only asked about an action the other rails would allow.
 */
export function evaluateGuard(input: GuardInput): GuardDecision {
  const { autonomy, policy, state, now } = input;
  if (autonomy === 'observe') return { verdict: 'observe', reason: 'autonomy is observe: detect only' };
  if (autonomy === 'suggest')
    return { verdict: 'suggest', reason: `autonomy is suggest: would run ${input.playbook}` };
  if (state?.escalated) {
    return {
      verdict: 'deny',
      reason: `escalated after ${state.failedHeals} failed heals: waiting for a human or a healthy period`,
    };
  }
  if (state && state.nextAllowedAt > now) {
    return {
      verdict: 'deny',
      reason: `backing off after ${state.failedHeals} failed heal(s): next attempt in ${formatDuration(state.nextAllowedAt - now)}`,
      retryAt: state.nextAllowedAt,
    };
  }
  if (input.recentRuns >= policy.rate_limit.max_actions) {
    return {
      verdict: 'deny',
      reason: `rate limit: ${input.recentRuns} heals of ${input.service} in the last ${formatDuration(policy.rate_limit.window)}`,
    };
  }
  if (autonomy === 'approve') return { verdict: 'ask', reason: 'autonomy is approve: waiting for a human' };
  if (policy.dry_run) return { verdict: 'dry_run', reason: 'dry run: planned and logged, nothing changed' };
  return { verdict: 'run', reason: 'allowed' };
}

/** Delay before the next attempt after `failures` failed heals in a row. */
export function backoffDelay(policy: PolicyConfig, failures: number): number {
  const { initial, factor, max } = policy.backoff;
  return Math.min(max, initial * factor ** Math.max(0, failures - 1));
}

export function freshGuardState(service: string, now: number): GuardState {
  return { service, failedHeals: 0, nextAllowedAt: 0, escalated: false, escalatedAt: null, updatedAt: now };
}
