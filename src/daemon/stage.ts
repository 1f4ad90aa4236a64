import type { Medic } from './medic.js';

/**
 * A part of the daemon that runs beside the probe loop (log ingestion, metric scraping and detection,
 * alert receivers...). It reads the config from `medic.config()`, reports findings with
 * `medic.submitFinding()`, and never reaches into another stage. Adding one is one file and one line in
 * stages.ts.
 */
export interface Stage {
  readonly name: string;
  start(): Promise<void>;
  /** The config changed (already validated and in effect): pick up what concerns this stage. */
  reload?(): Promise<void>;
  stop(): Promise<void>;
}

export type StageFactory = (medic: Medic) => Stage;
