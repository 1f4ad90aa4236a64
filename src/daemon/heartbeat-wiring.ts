import type { Logger } from 'pino';
import type { LoadedConfig } from '../config/index.js';
import type { Bus, Clock } from '../core/index.js';
import { Heartbeat } from './heartbeat.js';
import { LoopProgress } from './heartbeat-progress.js';

/** What the dead man's switch reads of the daemon: its clock, bus and config, and the two loops it watches. */
export interface HeartbeatHost {
  readonly clock: Clock;
  readonly bus: Bus;
  readonly logger: Logger;
  readonly replica: { canAct(): boolean };
  readonly scheduler: { services(): string[] };
  config(): LoadedConfig;
}

export interface RunningHeartbeat {
  readonly heartbeat: Heartbeat;
  /** Why the daemon is not making progress, or null (the systemd watchdog reads it too). */
  stalled(): string | null;
  reload(): void;
  stop(): void;
}

/** Starts the heartbeat of a started daemon (a no-op until `heartbeat` is configured). */
export function startHeartbeat(host: HeartbeatHost): RunningHeartbeat {
  const progress = new LoopProgress({
    clock: host.clock,
    bus: host.bus,
    storeWritable: () => host.replica.canAct(),
    // Checks are sharded by service: the services this replica schedules are the ones whose checks it runs.
    checks: () => {
      const local = new Set(host.scheduler.services());
      return Object.entries(host.config().config.services)
        .filter(([name]) => local.has(name))
        .flatMap(([, s]) => s.checks);
    },
  });
  const heartbeat = new Heartbeat({
    clock: host.clock,
    logger: host.logger,
    settings: () => host.config().config.heartbeat,
    stalled: () => progress.stalled(),
  });
  progress.start();
  heartbeat.start();
  return {
    heartbeat,
    stalled: () => progress.stalled(),
    reload: () => heartbeat.reload(),
    stop: () => {
      heartbeat.stop();
      progress.stop();
    },
  };
}
