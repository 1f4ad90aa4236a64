import type { StageHost } from './host.js';
import type { TelemetryGate } from './telemetry/gate.js';
import type { TelemetryHub } from './telemetry/hub.js';

/**
 * A part of the daemon that runs beside the probe loop (log ingestion, metric scraping and detection,
 * alert receivers...). It reads the config from `host.config()`, reports findings with
 * `host.submitFinding()`, and never reaches into another stage. Adding one is one file and one line in
 * stages.ts.
 */
export interface Stage {
  readonly name: string;
  start(): Promise<void>;
  /** The config changed (already validated and in effect): pick up what concerns this stage. */
  reload?(): Promise<void>;
  stop(): Promise<void>;
}

/** What a stage is built with: the daemon's narrow face, and what the telemetry stages share. */
export interface StageKit {
  host: StageHost;
  /** Holds a service degraded while a log or metric condition is active. */
  gate: TelemetryGate;
  /** Log sinks by service and derived series, shared with the API's push endpoint. */
  hub: TelemetryHub;
}

export type StageFactory = (kit: StageKit) => Stage;
