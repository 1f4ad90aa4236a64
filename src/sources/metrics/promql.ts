import { errorMessage, ProbeError } from '../../core/index.js';

/** One series of a PromQL answer: its labels and its (epoch ms, value) points, oldest first. */
export interface PromSeries {
  labels: Record<string, string>;
  points: { at: number; value: number }[];
}

export interface PromClientOptions {
  /** Prometheus base URL, e.g. http://prometheus:9090 */
  baseUrl: string;
  headers?: Record<string, string>;
  /** Default 30 s. */
  timeoutMs?: number;
}

type ApiResult =
  | { resultType: 'vector'; result: { metric: Record<string, string>; value: [number, string] }[] }
  | { resultType: 'matrix'; result: { metric: Record<string, string>; values: [number, string][] }[] }
  | { resultType: 'scalar' | 'string'; result: [number, string] };

/** Prometheus sends values as strings ("NaN", "+Inf" included) and times as float seconds. */
function point([t, v]: [number, string]): { at: number; value: number } {
  return { at: Math.round(t * 1000), value: v === '+Inf' ? Infinity : v === '-Inf' ? -Infinity : Number(v) };
}

/** A client for the Prometheus HTTP API's instant and range queries (`/api/v1/query`, `/api/v1/query_range`). */
export class PromClient {
  private readonly base: string;

  constructor(private readonly opts: PromClientOptions) {
    this.base = opts.baseUrl.replace(/\/+$/, '');
  }

  /** Instant query at `at` (epoch ms; default: the server's now). */
  async query(expr: string, at?: number, signal?: AbortSignal): Promise<PromSeries[]> {
    const params: Record<string, string> = { query: expr };
    if (at !== undefined) params.time = String(at / 1000);
    return this.call('/api/v1/query', params, signal);
  }

  /** Range query from `start` to `end` (epoch ms) every `stepMs`. */
  async queryRange(
    expr: string,
    start: number,
    end: number,
    stepMs: number,
    signal?: AbortSignal,
  ): Promise<PromSeries[]> {
    return this.call(
      '/api/v1/query_range',
      { query: expr, start: String(start / 1000), end: String(end / 1000), step: String(stepMs / 1000) },
      signal,
    );
  }

  private async call(
    path: string,
    params: Record<string, string>,
    signal?: AbortSignal,
  ): Promise<PromSeries[]> {
    const timeout = AbortSignal.timeout(this.opts.timeoutMs ?? 30_000);
    const url = `${this.base}${path}`;
    let body: { status?: string; data?: ApiResult; errorType?: string; error?: string };
    try {
      // POST with a form body: long PromQL expressions do not fit every proxy's URL limit.
      const res = await fetch(url, {
        method: 'POST',
        signal: signal ? AbortSignal.any([signal, timeout]) : timeout,
        headers: { 'content-type': 'application/x-www-form-urlencoded', ...this.opts.headers },
        body: new URLSearchParams(params).toString(),
      });
      body = (await res.json()) as typeof body;
      if (!res.ok && body.status !== 'error') throw new Error(`HTTP ${res.status}`);
    } catch (err) {
      throw new ProbeError(`prometheus ${url}: ${errorMessage(err)}`, { cause: err });
    }
    if (body.status !== 'success' || !body.data) {
      throw new ProbeError(`prometheus ${url}: ${body.errorType ?? 'error'}: ${body.error ?? 'no data'}`);
    }
    return toSeries(body.data);
  }
}

function toSeries(data: ApiResult): PromSeries[] {
  switch (data.resultType) {
    case 'vector':
      return data.result.map((r) => ({ labels: r.metric, points: [point(r.value)] }));
    case 'matrix':
      return data.result.map((r) => ({ labels: r.metric, points: r.values.map(point) }));
    case 'scalar':
    case 'string':
      return [{ labels: {}, points: [point(data.result)] }];
  }
}
