/** A sample of a series some stage derived (a log error rate), offered to the metric stage. */
export type SeriesListener = (service: string, metric: string, at: number, value: number) => void;

/** What a service's log pipeline offers to the push endpoint. */
export interface LogSink {
  readonly service: string;
  /** False when the service does not accept pushed lines. */
  readonly acceptsPush: boolean;
  /** Queues lines without waiting; returns how many were accepted (the rest were dropped and counted). */
  offerLines(lines: { text: string; at: number | null }[], source: string): number;
  /** Stores what is mined and not yet stored (lines wait up to `queue.flush` to share a transaction). */
  flush(): Promise<void>;
  stats(): LogSinkStats;
}

export interface LogSinkStats {
  service: string;
  enqueued: number;
  dropped: number;
  processed: number;
  stored: number;
  queued: number;
  highWater: number;
  templates: number;
  storeErrors: number;
}

/**
 * The few things the telemetry stages share with each other and with the API, one per daemon: log sinks by
 * service (for POST /api/ingest/logs) and derived series (the log stage's error rate, for the metric stage).
 */
export class TelemetryHub {
  readonly sinks = new Map<string, LogSink>();
  private readonly listeners = new Set<SeriesListener>();

  onSeries(fn: SeriesListener): () => void {
    this.listeners.add(fn);
    return () => this.listeners.delete(fn);
  }

  publish(service: string, metric: string, at: number, value: number): void {
    for (const fn of this.listeners) fn(service, metric, at, value);
  }
}
