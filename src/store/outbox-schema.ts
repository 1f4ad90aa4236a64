/** Row shape of the notification outbox (migration 007), merged into StoreSchema as telemetry's tables are. */

export interface NotificationOutboxTable {
  id: string;
  key: string;
  notifier: string;
  event: string;
  service: string;
  incident_id: string | null;
  /** JSON text of the notification. */
  payload: string;
  state: string;
  attempts: number;
  next_attempt_at: number;
  last_error: string | null;
  claimed_by: string | null;
  created_at: number;
  updated_at: number;
  delivered_at: number | null;
}

declare module './schema.js' {
  interface StoreSchema {
    notification_outbox: NotificationOutboxTable;
  }
}
