import { errorMessage, ProbeError } from '../../core/index.js';
import { type PromExposition, parsePromText } from './prom-text.js';

export interface ScrapeOptions {
  signal?: AbortSignal;
  /** Default 10 s. */
  timeoutMs?: number;
  headers?: Record<string, string>;
  /** When the scrape happened, for samples without their own timestamp (the injected Clock's now). */
  now?: number;
}

export interface Scrape extends PromExposition {
  at: number;
  url: string;
}

/** Fetches and parses one `/metrics` endpoint. Failures are ProbeErrors naming the URL. */
export async function scrapeMetrics(url: string, opts: ScrapeOptions = {}): Promise<Scrape> {
  const timeout = AbortSignal.timeout(opts.timeoutMs ?? 10_000);
  const signal = opts.signal ? AbortSignal.any([opts.signal, timeout]) : timeout;
  let res: Response;
  try {
    res = await fetch(url, {
      signal,
      headers: { accept: 'text/plain;version=0.0.4;q=1,*/*;q=0.1', ...opts.headers },
    });
  } catch (err) {
    throw new ProbeError(`scrape ${url}: ${errorMessage(err)}`, { cause: err });
  }
  if (!res.ok) throw new ProbeError(`scrape ${url}: HTTP ${res.status}`);
  const text = await res.text();
  try {
    return { ...parsePromText(text), at: opts.now ?? Date.now(), url };
  } catch (err) {
    throw new ProbeError(`scrape ${url}: ${errorMessage(err)}`, { cause: err });
  }
}
