/**
 * Row shapes of the telemetry tables (migration 005), merged into StoreSchema by module augmentation so that
 * the log and metric work adds tables without touching the other tables' declarations.
 */
import type { Generated } from 'kysely';

export interface LogTemplatesTable {
  service: string;
  template_id: string;
  text: string;
  category: string | null;
  severity: string | null;
  count: number;
  first_seen: number;
  last_seen: number;
  /** JSON array of example lines (the newest few). */
  examples: string;
  /** Set when the miner merged this template into a more general one (its count moved there). */
  merged_into: string | null;
}

/** Lines per template per minute (`bucket` is the minute's start, epoch ms). */
export interface LogCountsTable {
  service: string;
  template_id: string;
  bucket: number;
  count: number;
}

/** The lines themselves, many per row: JSON array of [at, templateId, level, source, text]. */
export interface LogChunksTable {
  id: Generated<number>;
  service: string;
  first_at: number;
  last_at: number;
  lines: number;
  body: string;
}

/** Where a tailed file was read to: written in the transaction that stored what was read. */
export interface LogOffsetsTable {
  source: string;
  dev: number;
  ino: number;
  offset: number;
  updated_at: number;
}

export interface MetricSamplesTable {
  service: string;
  metric: string;
  at: number;
  value: number;
}

export interface MetricRollupsTable {
  service: string;
  metric: string;
  step: number;
  bucket: number;
  count: number;
  sum: number;
  min: number;
  max: number;
  last: number;
}

declare module './schema.js' {
  interface StoreSchema {
    log_templates: LogTemplatesTable;
    log_counts: LogCountsTable;
    log_chunks: LogChunksTable;
    log_offsets: LogOffsetsTable;
    metric_samples: MetricSamplesTable;
    metric_rollups: MetricRollupsTable;
  }
}
