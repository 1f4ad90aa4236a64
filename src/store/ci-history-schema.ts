/** Row shapes of the CI history tables (migration 011), merged into StoreSchema as the bans' are. */

/** One pipeline's history: a JSON document the CI stage owns (sources/ci/history.ts), one row per pipeline. */
export interface CiPipelineHistoryTable {
  pipeline: string;
  doc: string;
  updated_at: number;
}

/** Webhook deliveries seen, keyed `provider:id`: a second insert of the same key is a replay. */
export interface CiDeliveriesTable {
  key: string;
  at: number;
}

declare module './schema.js' {
  interface StoreSchema {
    ci_pipeline_history: CiPipelineHistoryTable;
    ci_deliveries: CiDeliveriesTable;
  }
}
