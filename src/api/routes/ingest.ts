/**
 * Log push and the log and metric read routes: `POST /api/ingest/logs` takes JSON lines or Loki's JSON push
 * format (Vector, Fluent Bit, Promtail with a JSON client), and the store's templates, lines and samples are
 * read back for `medic logs` and the dashboard.
 */
import { z } from 'zod';
import { MedicError } from '../../core/index.js';
import type { Medic } from '../../daemon/index.js';
import { type PushedRecord, parseJsonLinesPayload, parseLokiPush } from '../../sources/logs/index.js';
import { paged, paging, type Router } from '../route.js';

const SERVICE_LABELS = ['service', 'service_name', 'app', 'job', 'container'];

const ingestQuery = z.object({
  service: z.string().min(1).max(200).optional().describe('the service of records that name none'),
});

const ingestResult = z.object({
  accepted: z.number(),
  dropped: z.number().describe('queue full: counted, not stored'),
  invalid: z.number().describe('entries that could not be read'),
  rejected: z.number().describe('records of no service that accepts pushed logs'),
});

function serviceOf(rec: PushedRecord, fallback: string | undefined): string | undefined {
  for (const k of SERVICE_LABELS) {
    const v = rec.labels[k];
    if (v) return v;
  }
  return fallback;
}

/** What one read of stored lines may cost (a chunk holds up to 2000 lines): a viewer cannot stall the daemon. */
export const LINE_SCAN_BUDGET = { maxChunks: 200, budgetMs: 250 };

export function registerIngestRoutes(r: Router, medic: Medic): void {
  const hub = medic.telemetry;
  for (const type of ['application/x-ndjson', 'application/jsonl', 'application/json-lines']) {
    r.app.addContentTypeParser(type, { parseAs: 'string' }, (_req, body, done) => done(null, body));
  }

  r.add({
    method: 'POST',
    url: '/api/ingest/logs',
    tag: 'logs',
    // A shipper's own token needs only `ingest` (operator and admin may push too).
    role: 'ingest',
    summary:
      'Push log lines: JSON lines (application/x-ndjson or text/plain, one object or text line per line) or Loki JSON push ({streams: [{stream: {labels}, values: [[ts_ns, line]]}]}). The service comes from the service/app/job label or ?service=',
    query: ingestQuery,
    response: ingestResult,
    handler: async ({ req, query }) => {
      const type =
        String(req.headers['content-type'] ?? '')
          .split(';')[0]
          ?.trim()
          .toLowerCase() ?? '';
      const body: unknown = req.body;
      let parsed: { records: PushedRecord[]; invalid: number };
      if (type === 'application/json') {
        if (
          typeof body !== 'object' ||
          body === null ||
          !Array.isArray((body as { streams?: unknown }).streams)
        )
          throw new MedicError(
            'bad_request',
            'body: a JSON body must be a Loki push, {"streams": [...]}; send JSON lines as application/x-ndjson',
          );
        parsed = parseLokiPush(body);
      } else if (typeof body === 'string') {
        parsed = parseJsonLinesPayload(body);
      } else {
        throw new MedicError(
          'unsupported',
          `content type "${type}": send application/json (Loki push) or application/x-ndjson`,
        );
      }
      if (parsed.records.length === 0)
        throw new MedicError(
          'bad_request',
          `body: no log records${parsed.invalid ? ` (${parsed.invalid} invalid entries)` : ''}`,
        );
      const bySink = new Map<string, { text: string; at: number | null; parsed: PushedRecord }[]>();
      let rejected = 0;
      for (const rec of parsed.records) {
        const service = serviceOf(rec, query.service);
        const sink = service ? hub.sinks.get(service) : undefined;
        if (!service || !sink?.acceptsPush) {
          rejected++;
          continue;
        }
        const list = bySink.get(service) ?? [];
        list.push({ text: rec.raw, at: rec.at, parsed: rec });
        bySink.set(service, list);
      }
      if (bySink.size === 0)
        throw new MedicError(
          'bad_request',
          `no record names a service that accepts pushed logs (label service/app/job or ?service=; the service needs logs: { push: true })`,
        );
      let accepted = 0;
      let offered = 0;
      for (const [service, lines] of bySink) {
        offered += lines.length;
        accepted += hub.sinks.get(service)?.offerLines(lines, 'push') ?? 0;
      }
      return { accepted, dropped: offered - accepted, invalid: parsed.invalid, rejected };
    },
  });

  r.add({
    method: 'GET',
    url: '/api/logs/stats',
    tag: 'logs',
    role: 'viewer',
    summary: 'Log ingestion per service: lines queued, dropped (queue full), mined and stored',
    handler: async () => ({ services: [...hub.sinks.values()].map((s) => s.stats()) }),
  });

  r.add({
    method: 'GET',
    url: '/api/logs/templates',
    tag: 'logs',
    role: 'viewer',
    summary: 'Mined log templates with counts and first/last seen; most frequent (or most recent) first',
    query: z.object({
      ...paging,
      service: z.string().min(1).optional(),
      order: z.enum(['count', 'recent']).default('count'),
    }),
    handler: async ({ query }) => paged(await medic.store.listLogTemplates(query), query),
  });

  r.add({
    method: 'GET',
    url: '/api/logs/lines',
    tag: 'logs',
    role: 'viewer',
    summary:
      'Stored log lines, oldest first: the newest `limit` of a service, a template, or containing a text. One request reads at most 200 stored chunks or 250 ms of them: `truncated: true` then says the search stopped early, and `before=<cursor>` reads on, older',
    query: z.object({
      service: z.string().min(1).optional(),
      template: z.string().min(1).optional(),
      contains: z.string().min(1).max(1024).optional(),
      since: z.coerce.number().int().min(0).optional(),
      limit: z.coerce.number().int().min(1).max(10_000).default(100),
      before: z.coerce.number().int().min(1).optional(),
    }),
    handler: async ({ query }) =>
      medic.store.scanLogLines({
        ...(query.service && { service: query.service }),
        ...(query.template && { templateId: query.template }),
        ...(query.contains && { contains: query.contains }),
        ...(query.since !== undefined && { since: query.since }),
        ...(query.before !== undefined && { before: query.before }),
        limit: query.limit,
        ...LINE_SCAN_BUDGET,
      }),
  });

  r.add({
    method: 'GET',
    url: '/api/metrics/samples',
    tag: 'metrics',
    role: 'viewer',
    summary: 'Raw samples of a series (and its rollups, older), oldest first; without metric: the series',
    query: z.object({
      service: z.string().min(1).optional(),
      metric: z.string().min(1).optional(),
      since: z.coerce.number().int().min(0).default(0),
      limit: z.coerce.number().int().min(1).max(100_000).default(10_000),
    }),
    handler: async ({ query }) => {
      if (!query.service || !query.metric)
        return { series: await medic.store.listMetricSeries(query.service) };
      return {
        samples: await medic.store.metricSamples(query.service, query.metric, query.since, query.limit),
        rollups: await medic.store.metricRollups(query.service, query.metric, query.since),
      };
    },
  });
}
