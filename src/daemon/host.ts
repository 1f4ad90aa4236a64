import type { Logger } from 'pino';
import type { LoadedConfig } from '../config/index.js';
import type { Bus, Clock, Finding } from '../core/index.js';
import type { CheckState, HealthModel } from '../detect/index.js';
import type { Backups } from '../remediate/index.js';
import type { Supervisor } from '../sources/index.js';
import type { Store } from '../store/index.js';

/**
 * What a stage beside the probe loop (logs, metrics, alerts) reads of the daemon and how it reports: the
 * config, the clock, the bus, the store, the health model, and two ways in (a finding, a pseudo-check's
 * state), each handled in the service's lane. A stage never sees the daemon itself, so it cannot reach into
 * another stage.
 */
export interface StageHost {
  readonly bus: Bus;
  readonly clock: Clock;
  readonly logger: Logger;
  readonly store: Store;
  readonly health: HealthModel;
  readonly supervisor: Pick<Supervisor, 'pid'>;
  /** The backup store: known good versions of files (drift compares a watched file with its own). */
  readonly engine: { readonly backups: Backups };
  config(): LoadedConfig;
  submitFinding(f: Finding): Promise<void>;
  /**
   * Sets a check's state from outside the probe path (an external alert firing or resolved): the health
   * change and the finding (`finding`, else the one the change makes) go through the service's lane.
   */
  applyCheck(
    service: string,
    check: string,
    state: CheckState,
    summary: string,
    evidence: Record<string, unknown>,
    finding?: Finding,
  ): Promise<void>;
  forceCheck(
    service: string,
    check: string,
    state: CheckState,
    summary: string,
    evidence: Record<string, unknown>,
  ): Promise<void>;
}

/** What gathering a diagnosis' evidence reads of the daemon. */
export interface EvidenceHost {
  readonly store: Store;
  /**
   * Stores what the probes and the service's log pipeline hold for a batched write, so that evidence read
   * from the store includes the last second.
   */
  flushWrites(service: string): Promise<void>;
  readonly clock: Clock;
  readonly health: HealthModel;
  readonly supervisor: Supervisor;
  /** Known good versions of the service's settings files (what changed before it failed). */
  readonly engine: { readonly backups: Pick<Backups, 'lastKnownGood'> };
  config(): LoadedConfig;
}
