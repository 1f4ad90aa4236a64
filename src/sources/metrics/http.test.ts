import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { PromClient } from './promql.js';
import { scrapeMetrics } from './scrape.js';

/** A local server that speaks like an exporter's /metrics and like Prometheus's HTTP API. */
let server: Server;
let base = '';
const seen: { path: string; body: string }[] = [];

function api(req: IncomingMessage, res: ServerResponse, body: string): void {
  const q = new URLSearchParams(body);
  seen.push({ path: req.url ?? '', body });
  res.setHeader('content-type', 'application/json');
  if (q.get('query') === 'bad(') {
    res.statusCode = 400;
    res.end(JSON.stringify({ status: 'error', errorType: 'bad_data', error: 'parse error at char 5' }));
    return;
  }
  if (req.url === '/api/v1/query') {
    res.end(
      JSON.stringify({
        status: 'success',
        data: {
          resultType: 'vector',
          result: [{ metric: { __name__: 'up', job: 'api' }, value: [1700000000.5, '1'] }],
        },
      }),
    );
    return;
  }
  res.end(
    JSON.stringify({
      status: 'success',
      data: {
        resultType: 'matrix',
        result: [
          {
            metric: { job: 'api' },
            values: [
              [1700000000, '0.25'],
              [1700000015, 'NaN'],
              [1700000030, '+Inf'],
            ],
          },
        ],
      },
    }),
  );
}

beforeAll(async () => {
  server = createServer((req, res) => {
    let body = '';
    req.on('data', (c: Buffer) => {
      body += c.toString();
    });
    req.on('end', () => {
      if (req.url === '/metrics') {
        res.setHeader('content-type', 'text/plain; version=0.0.4');
        res.end('# TYPE process_resident_memory_bytes gauge\nprocess_resident_memory_bytes 2.5e+07\n');
      } else if (req.url === '/broken') {
        res.statusCode = 503;
        res.end('down');
      } else api(req, res, body);
    });
  });
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
  base = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
});

afterAll(() => new Promise<void>((r) => server.close(() => r())));

describe('scrape', () => {
  it('fetches and parses a /metrics endpoint', async () => {
    const s = await scrapeMetrics(`${base}/metrics`, { now: 42 });
    expect(s.at).toBe(42);
    expect(s.samples).toEqual([
      { name: 'process_resident_memory_bytes', labels: {}, value: 25_000_000, timestamp: null },
    ]);
    expect(s.families.process_resident_memory_bytes?.type).toBe('gauge');
  });

  it('reports HTTP failures and unreachable endpoints as probe errors', async () => {
    await expect(scrapeMetrics(`${base}/broken`)).rejects.toThrow(/HTTP 503/);
    await expect(scrapeMetrics('http://127.0.0.1:1/metrics', { timeoutMs: 2000 })).rejects.toThrow(/scrape/);
  });
});

describe('PromQL client', () => {
  const client = () => new PromClient({ baseUrl: `${base}/` });

  it('runs an instant query', async () => {
    const r = await client().query('up{job="api"}', 1_700_000_000_500);
    expect(r).toEqual([
      { labels: { __name__: 'up', job: 'api' }, points: [{ at: 1_700_000_000_500, value: 1 }] },
    ]);
    const sent = new URLSearchParams(seen.at(-1)!.body);
    expect(sent.get('query')).toBe('up{job="api"}');
    expect(sent.get('time')).toBe('1700000000.5');
  });

  it('runs a range query, keeping NaN and Inf', async () => {
    const r = await client().queryRange('rate(x[5m])', 1_700_000_000_000, 1_700_000_030_000, 15_000);
    expect(r[0]?.points.map((p) => p.at)).toEqual([1_700_000_000_000, 1_700_000_015_000, 1_700_000_030_000]);
    expect(r[0]?.points[0]?.value).toBe(0.25);
    expect(r[0]?.points[1]?.value).toBeNaN();
    expect(r[0]?.points[2]?.value).toBe(Number.POSITIVE_INFINITY);
    expect(seen.at(-1)?.path).toBe('/api/v1/query_range');
    expect(new URLSearchParams(seen.at(-1)!.body).get('step')).toBe('15');
  });

  it('surfaces Prometheus errors with their type', async () => {
    await expect(client().query('bad(')).rejects.toThrow(/bad_data: parse error at char 5/);
  });
});
