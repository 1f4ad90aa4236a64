import type { Logger } from 'pino';
import { Replica } from '../cluster/index.js';
import type { LoadedConfig } from '../config/index.js';
import { type Action, type Clock, errorMessage } from '../core/index.js';
import type { Scheduler } from '../sources/index.js';
import type { KyselyStore } from '../store/index.js';
import { scheduledChecks } from './wiring.js';

/** What a replica's share of the work reads of the daemon, and the late-bound calls it makes into it. */
export interface ShareDeps {
  store: KyselyStore;
  clock: Clock;
  logger: Logger;
  scheduler: Pick<Scheduler, 'setChecks'>;
  config(): LoadedConfig;
  /** False before the daemon starts and after it stops: a membership change then is not acted on. */
  running(): boolean;
  /** Reconciles steps nobody is finishing (the engine's reconcile); resolves with how many. */
  reconcile(orphans: Action[]): Promise<number>;
}

/**
 * This process as a member of the cluster and the work that falls to it: its share of the checks, sharded
 * again whenever the live set changes or its lease lapses, and the steps a stopped replica left unfinished.
 */
export class ReplicaShare {
  readonly replica: Replica;
  private lastLive = 0;

  constructor(private readonly d: ShareDeps) {
    this.replica = new Replica({
      store: d.store,
      clock: d.clock,
      onChange: (live) => {
        if (!d.running()) return;
        // Joining alone at start-up is routine; a replica leaving is worth a warning.
        const level = this.lastLive === 0 ? 'debug' : live.length < this.lastLive ? 'warn' : 'info';
        this.lastLive = live.length;
        d.logger[level]({ replica: this.replica.id, live }, 'replicas changed: re-sharding checks');
        this.reschedule();
        void this.adoptOrphans();
      },
      // Fenced (its lease not renewed in time) or seen again by the others: its share of checks stops or starts.
      onActive: (active) => {
        if (!d.running()) return;
        const level = !active ? 'warn' : this.lastLive > 1 ? 'info' : 'debug';
        const what = active ? 'runs its share of checks' : 'lease not renewed in time: its checks stop';
        d.logger[level]({ replica: this.replica.id }, `replica ${what}`);
        this.reschedule();
      },
      onError: (err) => d.logger.warn({ err: errorMessage(err) }, 'replica heartbeat failed'),
    });
  }

  /**
   * Schedules this replica's share of the checks. Checks are sharded by service, so one replica sees all of a
   * service's findings and is the one that heals it; supervised services run their checks where they run.
   */
  reschedule(): void {
    const { config } = this.d.config();
    const all = scheduledChecks(config);
    const supervised = (c: { service: string }) => Boolean(config.services[c.service]?.run);
    this.d.scheduler.setChecks([
      ...all.filter(supervised),
      ...this.replica.share(
        all.filter((c) => !supervised(c)),
        (c) => c.service,
      ),
    ]);
  }

  /**
   * Reconciles steps nobody is finishing: those this process's predecessor left (on SQLite, at start-up) or a
   * dead replica left (on PostgreSQL, whenever the live set changes). Each is claimed first: reconciled once.
   */
  async adoptOrphans(): Promise<void> {
    try {
      const orphans = await this.replica.claimOrphans();
      const n = await this.d.reconcile(orphans);
      if (n > 0) this.d.logger.info({ steps: n }, 'reconciled steps left unfinished by a stopped Medic');
    } catch (err) {
      this.d.logger.error({ err }, 'reconciliation failed');
    }
  }
}
