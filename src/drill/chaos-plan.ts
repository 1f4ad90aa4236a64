import { Prng } from './prng.js';

/** A fault and the services it fits (in config order). */
export interface ChaosCandidate {
  fault: string;
  services: readonly string[];
}

/** One injection of a chaos run. */
export interface ChaosStep {
  /** When, in ms from the start of the run. */
  at: number;
  fault: string;
  service: string;
  /**
   * `single`: a fault on its own; `again`: the previous step's fault on the same service, less than a minute
   * after it; `pair`: a second fault on another service within a second of the step it pairs with (often a
   * dependency or a dependent of it).
   */
  kind: 'single' | 'again' | 'pair';
  /** The step this one repeats or pairs with (its index). */
  of?: number;
}

export interface ChaosPlanOptions {
  seed: number;
  durationMs: number;
  candidates: readonly ChaosCandidate[];
  /** services.<name>.depends_on: a pair prefers a dependency or a dependent of the first service. */
  dependsOn: Readonly<Record<string, readonly string[]>>;
}

/** Gaps between steps: long enough for most heals (a few seconds), short enough that heals overlap faults. */
const FIRST_MS = [5_000, 15_000] as const;
const GAP_MS = [5_000, 40_000] as const;
/** A pair's second fault comes within this of its first. */
const PAIR_WITHIN_MS = 1_000;
const P_AGAIN = 0.25;
const P_PAIR = 0.25;
/** How often a pair takes a dependency or dependent of the first service when there is one. */
const P_RELATED = 0.6;

/**
 * The faults of a chaos run, in time order: the same seed and candidates give the same steps. Gaps of 5–40 s,
 * so a repeat (`again`) is always within a minute of the step it repeats.
 */
export function planChaos(opts: ChaosPlanOptions): ChaosStep[] {
  const fits = opts.candidates.filter((c) => c.services.length > 0);
  if (fits.length === 0) throw new Error('no fault fits any supervised service of this config');
  const rng = new Prng(opts.seed);
  const services = [...new Set(fits.flatMap((c) => c.services))];
  const faultsOn = (service: string) => fits.filter((c) => c.services.includes(service)).map((c) => c.fault);
  const steps: ChaosStep[] = [];
  let lead: number | null = null;
  for (let at = rng.int(...FIRST_MS); at < opts.durationMs; at += rng.int(...GAP_MS)) {
    const r = rng.next();
    const prev: ChaosStep | null = lead === null ? null : steps[lead]!;
    if (prev && r < P_AGAIN) {
      lead = steps.push({ at, fault: prev.fault, service: prev.service, kind: 'again', of: lead! }) - 1;
      continue;
    }
    const first = rng.pick(fits);
    const service = rng.pick(first.services);
    lead = steps.push({ at, fault: first.fault, service, kind: 'single' }) - 1;
    const others = services.filter((s) => s !== service);
    if (r >= P_AGAIN + P_PAIR || others.length === 0) continue;
    steps[lead]!.kind = 'pair';
    const related = others.filter(
      (s) => (opts.dependsOn[service] ?? []).includes(s) || (opts.dependsOn[s] ?? []).includes(service),
    );
    const partner = rng.pick(related.length > 0 && rng.next() < P_RELATED ? related : others);
    steps.push({
      at: at + rng.int(0, PAIR_WITHIN_MS),
      fault: rng.pick(faultsOn(partner)),
      service: partner,
      kind: 'pair',
      of: lead,
    });
  }
  return steps;
}
