import type { Cause, EvidenceBundle } from './evidence.js';

/** What a rule found: how sure it is and why, in words a person reads in the incident timeline. */
export interface RuleMatch {
  confidence: number;
  evidence: string[];
  target?: string;
}

export interface Rule {
  cause: Cause;
  /** The signature, for `medic diagnose --explain` and the docs. */
  signature: string;
  match(b: EvidenceBundle): RuleMatch | null;
}

/** How long ago, in words: seconds under a minute, else minutes. */
export const ago = (ms: number) =>
  ms < 60_000 ? `${Math.max(0, Math.round(ms / 1000))} s` : `${Math.round(ms / 60_000)} min`;
