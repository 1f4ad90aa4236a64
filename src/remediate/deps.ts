import type { Logger } from 'pino';
import type { LoadedConfig } from '../config/index.js';
import type { Bus, Clock, Diagnosis, Finding, ServiceHealth } from '../core/index.js';
import type { CheckState } from '../detect/index.js';
import type { IncidentManager } from '../incidents/index.js';
import type { Learner } from '../learn/index.js';
import type { Store } from '../store/index.js';
import type { NotifyMessage, ServiceControl } from './actions/index.js';
import type { Backups } from './backups.js';
import type { Journal } from './journal.js';
import type { VerifyDeps } from './verify.js';

/**
 * What the remediation engine needs from the daemon. It lives apart from engine.ts so the engine's parts can
 * name the slice they use (`Pick<EngineDeps, ...>`) without importing the engine that composes them.
 */
export interface EngineDeps {
  store: Store;
  bus: Bus;
  clock: Clock;
  journal: Journal;
  incidents: IncidentManager;
  control: ServiceControl;
  logger: Logger;
  config(): LoadedConfig;
  health(service: string): ServiceHealth;
  /** One check's state (for `verify.checks`); undefined when the service has no such check. */
  checkState?(service: string, check: string): CheckState | undefined;
  /** The service's checks that are down or degraded now, but the telemetry pseudo-check (a log or metric
   * episode outlives the heal that ends its cause). */
  failingChecks?(service: string): string[];
  recheck(service: string): Promise<void>;
  /**
   * An upstream of the service in trouble now, which its heal waits for (nearest first), or null. Absent:
   * nothing waits.
   */
  upstreamBlocking?(service: string): Promise<string | null>;
  /**
   * Diagnoses the service again on the evidence of now and records it on the incident; returns what a heal
   * may act on (null: no cause it can). Absent: the diagnosis made before stands.
   */
  diagnoseAgain?(f: Finding, incidentId: string): Promise<Diagnosis | null>;
  verifyPollMs?: number;
  /** Claims the action for this replica before a step runs; false means another replica owns it. */
  claim?(actionId: string): Promise<boolean>;
  /**
   * Claims every step of a run for this replica as the run starts (one transaction), so none of its later
   * steps looks orphaned while it runs; false means do not run it. Absent: each step is claimed with `claim`
   * at the start instead.
   */
  claimRun?(actionIds: readonly string[]): Promise<boolean>;
  /** The backup store; default: `<store.dir>/backups` next to the config. */
  backups?: Backups;
  /** Sends `notify` steps and escalations with a route; absent: notify steps fail, escalations use the bus. */
  notify?: (msg: NotifyMessage) => Promise<void>;
  /** A drill's engine: outcomes are recorded as drills, which the learner does not learn from. */
  drill?: boolean;
  /** The learner; default: one over the store with `policy.learning`. */
  learner?: Learner;
}

/** Verification after a heal and at start-up reconciliation polls the same way. */
export function verifyDeps(
  d: Pick<EngineDeps, 'bus' | 'clock' | 'health' | 'checkState' | 'recheck' | 'verifyPollMs'> &
    Partial<Pick<EngineDeps, 'control'>>,
): VerifyDeps {
  const { control } = d;
  return {
    bus: d.bus,
    clock: d.clock,
    health: d.health,
    checkState: d.checkState ?? (() => undefined),
    recheck: d.recheck,
    pollMs: d.verifyPollMs ?? 500,
    ...(control && {
      processGone: (service: string) => control.isSupervised(service) && control.running?.(service) === false,
    }),
    ...(control?.lastWords && { lastWords: control.lastWords }),
  };
}
