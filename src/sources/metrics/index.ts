/** Metric sources: Prometheus scrapes, PromQL queries and host metrics, all as (time, value) series. */
export * from './host.js';
export * from './prom-text.js';
export * from './promql.js';
export * from './scrape.js';
