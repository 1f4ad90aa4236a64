import type { Autonomy, PolicyConfig } from '../config/index.js';
import { formatDuration } from '../core/index.js';
import type { GuardState, HealingSwitch, Silence } from '../store/index.js';

export type GuardVerdict = 'run' | 'ask' | 'suggest' | 'observe' | 'dry_run' | 'deny';

/** Which rail decided: written to the audit log with the reason. */
export type GuardRail =
  | 'autonomy'
  | 'stop_switch'
  | 'maintenance'
  | 'silence'
  | 'confidence'
  | 'escalated'
  | 'backoff'
  | 'rate_limit'
  | 'blast_radius'
  | 'dry_run'
  | 'none';

export interface GuardDecision {
  verdict: GuardVerdict;
  rail: GuardRail;
  reason: string;
  /** For a denial that lifts by itself (backoff, a maintenance window, a silence): when to decide again. */
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
  /** The global stop switch. */
  stop?: HealingSwitch | null;
  /** The maintenance window open for this service now. */
  maintenance?: { name: string; closes: number } | null;
  /** A silence matching the finding's labels now. */
  silence?: Silence | null;
  /** The learner-adjusted confidence (absent: 1) and why it is what it is. */
  confidence?: { value: number; why: string };
  /** Heals running now, all services. */
  inFlight?: number;
  /** Distinct targets this playbook started on inside the blast-radius window. */
  playbookTargets?: readonly string[];
  /** A human approved this heal: the rails that would ask one pass (every other rail still applies). */
  approved?: boolean;
}

/** How soon a heal refused for too many in flight is reconsidered. */
export const IN_FLIGHT_RETRY_MS = 5_000;

/**
 * The safety rails, in DESIGN.md's order; the first that says no wins:
 * 1. autonomy (observe, suggest); 2. the stop switch, maintenance windows, silences; 3. the confidence
 * threshold (below it a human is asked, if the later rails allow); 4. escalation, backoff and the per-target
 * rate limit; 5. blast radius; 6. approval and dry-run. A human is only asked about an action the other
 * rails would allow.
 */
export function evaluateGuard(input: GuardInput): GuardDecision {
  const { autonomy, policy, state, now } = input;
  // 1. Autonomy.
  if (autonomy === 'observe')
    return { verdict: 'observe', rail: 'autonomy', reason: 'autonomy is observe: detect only' };
  if (autonomy === 'suggest')
    return {
      verdict: 'suggest',
      rail: 'autonomy',
      reason: `autonomy is suggest: would run ${input.playbook}`,
    };
  // 2. Stop switch, maintenance windows, silences.
  if (input.stop?.stopped) {
    return {
      verdict: 'deny',
      rail: 'stop_switch',
      reason: `healing is stopped by ${input.stop.actor}${input.stop.reason ? ` (${input.stop.reason})` : ''}`,
    };
  }
  if (input.maintenance) {
    return {
      verdict: 'deny',
      rail: 'maintenance',
      reason: `maintenance window ${input.maintenance.name} until ${new Date(input.maintenance.closes).toISOString()}`,
      retryAt: input.maintenance.closes,
    };
  }
  if (input.silence) {
    return {
      verdict: 'deny',
      rail: 'silence',
      reason: `silenced by ${input.silence.id} (${input.silence.createdBy}${input.silence.comment ? `: ${input.silence.comment}` : ''}) until ${new Date(input.silence.endsAt).toISOString()}`,
      retryAt: input.silence.endsAt,
    };
  }
  // 3. Confidence: below the threshold the heal is not run on its own (asked below, once 4 and 5 allow).
  const confidence = input.confidence ?? { value: 1, why: 'confidence 1.00' };
  const unsure = confidence.value < policy.confidence_threshold;
  // 4. Escalation, backoff, per-target rate limit.
  if (state?.escalated) {
    return {
      verdict: 'deny',
      rail: 'escalated',
      reason: `escalated after ${state.failedHeals} failed heals: waiting for a human or a healthy period`,
    };
  }
  if (state && state.nextAllowedAt > now) {
    return {
      verdict: 'deny',
      rail: 'backoff',
      reason: `backing off after ${state.failedHeals} failed heal(s): next attempt in ${formatDuration(state.nextAllowedAt - now)}`,
      retryAt: state.nextAllowedAt,
    };
  }
  if (input.recentRuns >= policy.rate_limit.max_actions) {
    return {
      verdict: 'deny',
      rail: 'rate_limit',
      reason: `rate limit: ${input.recentRuns} heals of ${input.service} in the last ${formatDuration(policy.rate_limit.window)}`,
    };
  }
  // 5. Blast radius.
  const blast = policy.blast_radius;
  if ((input.inFlight ?? 0) >= blast.max_in_flight) {
    return {
      verdict: 'deny',
      rail: 'blast_radius',
      reason: `blast radius: ${input.inFlight} heals already in flight (max ${blast.max_in_flight})`,
      retryAt: now + IN_FLIGHT_RETRY_MS,
    };
  }
  const targets = input.playbookTargets ?? [];
  if (!targets.includes(input.service) && targets.length >= blast.max_targets_per_playbook) {
    return {
      verdict: 'deny',
      rail: 'blast_radius',
      reason: `blast radius: ${input.playbook} already ran on ${targets.length} targets in the last ${formatDuration(blast.window)} (max ${blast.max_targets_per_playbook})`,
    };
  }
  // 6. Approval and dry-run.
  if (unsure && !input.approved) {
    return {
      verdict: 'ask',
      rail: 'confidence',
      reason: `${confidence.why} is below the threshold ${policy.confidence_threshold}: waiting for a human`,
    };
  }
  if (autonomy === 'approve' && !input.approved)
    return { verdict: 'ask', rail: 'autonomy', reason: 'autonomy is approve: waiting for a human' };
  if (policy.dry_run)
    return { verdict: 'dry_run', rail: 'dry_run', reason: 'dry run: planned and logged, nothing changed' };
  return { verdict: 'run', rail: 'none', reason: `allowed (${confidence.why})` };
}

/** Delay before the next attempt after `failures` failed heals in a row. */
export function backoffDelay(policy: PolicyConfig, failures: number): number {
  const { initial, factor, max } = policy.backoff;
  return Math.min(max, initial * factor ** Math.max(0, failures - 1));
}

export function freshGuardState(service: string, now: number): GuardState {
  return { service, failedHeals: 0, nextAllowedAt: 0, escalated: false, escalatedAt: null, updatedAt: now };
}

/** What a keepalive start is judged on: the rails a human sets, not the ones that count failed heals. */
export type KeepaliveInput = Pick<
  GuardInput,
  'service' | 'autonomy' | 'policy' | 'now' | 'stop' | 'maintenance' | 'silence'
>;

/**
 * The guard of a keepalive start (a supervised process that exited, started again): autonomy, the stop
 * switch, maintenance windows, silences and dry run apply as to any heal. Escalation, backoff, the rate limit
 * and confidence do not: they stop a service's playbooks, never its supervision (the keeper backs off itself).
 */
export function evaluateKeepalive(input: KeepaliveInput): GuardDecision {
  const { autonomy, policy } = input;
  if (autonomy !== 'auto')
    return { verdict: 'deny', rail: 'autonomy', reason: `autonomy is ${autonomy}: no start without a human` };
  const held = evaluateGuard({ ...input, playbook: 'keepalive', state: null, recentRuns: 0 });
  if (held.rail === 'stop_switch' || held.rail === 'maintenance' || held.rail === 'silence') return held;
  if (policy.dry_run)
    return { verdict: 'dry_run', rail: 'dry_run', reason: 'dry run: planned and logged, nothing changed' };
  return { verdict: 'run', rail: 'none', reason: 'keepalive' };
}
