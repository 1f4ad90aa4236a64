/**
 * An HTTP request as probes and actions make it. Redirects are followed by hand so that the headers a config
 * adds (tokens, API keys) go only to the origin they were written for: fetch itself drops Authorization on a
 * cross-origin hop but forwards X-Token and the like. The body is read up to a limit, so an endpoint that
 * streams without end can neither fill memory nor hold the check until its timeout.
 */

export interface BoundedRequest {
  method: string;
  headers?: Record<string, string>;
  body?: string;
  signal?: AbortSignal;
  /** Bytes of body kept; the rest is not read (the connection is closed). */
  maxBody: number;
  /** Default 10. */
  maxRedirects?: number;
}

export interface BoundedResponse {
  status: number;
  statusText: string;
  /** Where the answer came from, after redirects. */
  url: string;
  body: string;
  /** The body was longer than maxBody and was cut. */
  truncated: boolean;
}

const REDIRECTS = new Set([301, 302, 303, 307, 308]);

export async function boundedFetch(url: string, o: BoundedRequest): Promise<BoundedResponse> {
  let current = new URL(url);
  const origin = current.origin;
  let headers = o.headers ?? {};
  let method = o.method;
  let body = o.body;
  const maxRedirects = o.maxRedirects ?? 10;
  for (let hop = 0; ; hop++) {
    const res = await fetch(current, { method, headers, body, signal: o.signal, redirect: 'manual' });
    const location = res.headers.get('location');
    if (!REDIRECTS.has(res.status) || location === null) {
      const read = method === 'HEAD' ? { text: '', truncated: false } : await readBounded(res, o.maxBody);
      return {
        status: res.status,
        statusText: res.statusText,
        url: current.href,
        body: read.text,
        truncated: read.truncated,
      };
    }
    await res.body?.cancel().catch(() => undefined);
    if (hop >= maxRedirects) throw new Error(`more than ${maxRedirects} redirects from ${url}`);
    const next = new URL(location, current);
    if (next.protocol !== 'http:' && next.protocol !== 'https:')
      throw new Error(`redirect to ${next.protocol} refused`);
    // Once the request has left its origin, the configured headers stay behind, even if it comes back.
    if (next.origin !== origin) headers = {};
    // As browsers do: 303, and 301/302 after a POST, become a GET without a body.
    if (res.status === 303 || ((res.status === 301 || res.status === 302) && method === 'POST')) {
      if (method !== 'HEAD') method = 'GET';
      body = undefined;
    }
    current = next;
  }
}

/** Reads at most `max` bytes of the body, then cancels the rest. */
async function readBounded(res: Response, max: number): Promise<{ text: string; truncated: boolean }> {
  if (!res.body) return { text: '', truncated: false };
  const reader = res.body.getReader();
  const chunks: Uint8Array[] = [];
  let size = 0;
  let truncated = false;
  for (;;) {
    const { value, done } = await reader.read();
    if (done) break;
    chunks.push(value);
    size += value.byteLength;
    if (size > max) {
      truncated = true;
      await reader.cancel().catch(() => undefined);
      break;
    }
  }
  const bytes = Buffer.concat(chunks);
  return { text: bytes.subarray(0, Math.min(max, bytes.length)).toString('utf8'), truncated };
}
