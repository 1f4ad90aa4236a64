import { boundedFetch, errorMessage } from '../core/index.js';

/** Paths asked in turn; the first that answers 2xx is the one checked. */
export const HEALTH_PATHS = ['/health', '/healthz', '/'];

export interface HttpAnswer {
  /** The URL the check should request. */
  url: string;
  status: number;
}

export type HttpDetection =
  | { http: true; health: HttpAnswer | null; answered: { path: string; status: number }[] }
  | { http: false; reason: string };

/**
 * Whether a port speaks HTTP, and which health path answers 2xx. The first request settles the protocol:
 * a port that does not answer it with an HTTP status line is not asked the other paths (each would wait for
 * the timeout). Asked as the http probe asks (redirects followed), so the check written passes as found.
 */
export async function detectHttp(base: string, timeoutMs = 1_500): Promise<HttpDetection> {
  const answered: { path: string; status: number }[] = [];
  for (const path of HEALTH_PATHS) {
    const url = `${base}${path}`;
    try {
      const res = await boundedFetch(url, {
        method: 'GET',
        headers: { 'user-agent': 'medic-init' },
        signal: AbortSignal.timeout(timeoutMs),
        maxBody: 4096,
        maxRedirects: 3,
      });
      answered.push({ path, status: res.status });
      if (res.status >= 200 && res.status < 300)
        return { http: true, health: { url, status: res.status }, answered };
    } catch (err) {
      if (answered.length === 0) return { http: false, reason: describe(err) };
    }
  }
  return { http: true, health: null, answered };
}

function describe(err: unknown): string {
  const cause = (err as { cause?: unknown } | null)?.cause;
  return cause ? errorMessage(cause) : errorMessage(err);
}
