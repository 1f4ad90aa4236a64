import type { Logger } from 'pino';
import type { LoadedConfig } from '../config/index.js';
import type { Bus, Clock, Diagnosis, Finding } from '../core/index.js';
import type { HealthModel } from '../detect/index.js';
import type { IncidentManager } from '../incidents/index.js';
import type { Notification } from '../notify/index.js';
import { Backups, type EngineDeps, fileRules, type Journal, RemediationEngine } from '../remediate/index.js';
import type { Supervisor } from '../sources/index.js';
import type { KyselyStore } from '../store/index.js';
import { lastWords } from './supervision.js';
import { TELEMETRY_CHECK } from './telemetry/gate.js';

/**
 * What the remediation engine is built from: the daemon's parts, and late-bound calls into parts made after
 * it (the finding path, the replica, the notifier, supervision), which the daemon passes as functions.
 */
export interface EngineWiring {
  store: KyselyStore;
  bus: Bus;
  clock: Clock;
  journal: Journal;
  incidents: IncidentManager;
  logger: Logger;
  health: HealthModel;
  supervisor: Supervisor;
  config(): LoadedConfig;
  dataDir: string;
  verifyPollMs?: number;
  drill: boolean;
  recheck(service: string): Promise<void>;
  upstreamBlocking(service: string): Promise<string | null>;
  diagnoseAgain(f: Finding, incidentId: string): Promise<Diagnosis | null>;
  claim(actionId: string): Promise<boolean>;
  claimRun(actionIds: readonly string[]): Promise<boolean>;
  send(n: Notification): Promise<void>;
  restart(service: string): Promise<number>;
}

/** The engine of DESIGN.md's heal stage, wired to the daemon: health, checks, replicas, notifications. */
export function createEngine(w: EngineWiring): RemediationEngine {
  const deps: EngineDeps = {
    store: w.store,
    bus: w.bus,
    clock: w.clock,
    journal: w.journal,
    incidents: w.incidents,
    logger: w.logger,
    config: w.config,
    health: (s) => w.health.get(s),
    checkState: (s, c) => w.health.checks(s).find((x) => x.name === c)?.state,
    // The telemetry pseudo-check aside: a log or metric episode outlives the heal that ends its cause.
    failingChecks: (s) =>
      w.health
        .checks(s)
        .filter((x) => (x.state === 'down' || x.state === 'degraded') && x.name !== TELEMETRY_CHECK)
        .map((x) => x.name),
    recheck: w.recheck,
    upstreamBlocking: w.upstreamBlocking,
    diagnoseAgain: w.diagnoseAgain,
    verifyPollMs: w.verifyPollMs,
    drill: w.drill,
    claim: w.claim,
    claimRun: w.claimRun,
    backups: new Backups({ dataDir: w.dataDir, clock: w.clock, files: () => fileRules(w.config()) }),
    notify: async (m) => {
      await w.send({
        event: 'incident.escalated',
        at: w.clock.now(),
        service: m.service,
        title: `${m.service}: ${m.severity}`,
        message: m.message,
        incidentId: null,
        data: { route: m.route },
        ...(m.route ? { route: m.route } : {}),
      });
    },
    control: {
      isSupervised: (s) => w.supervisor.running(s) || Boolean(w.config().config.services[s]?.run),
      restart: w.restart,
      running: (s) => w.supervisor.running(s),
      startNotes: (s) => w.supervisor.startNotes(s),
      lastWords: (s, pid) => lastWords(w.supervisor.lastLines(s, pid, 20)),
    },
  };
  return new RemediationEngine(deps);
}
