import { loadConfig } from '../config/index.js';

/** Where the running daemon's API is: --url, else the config's server, else the default. */
export async function apiUrl(opts: { url?: string; config?: string }): Promise<string> {
  if (opts.url) return opts.url.replace(/\/$/, '');
  if (opts.config) {
    const { config } = await loadConfig(opts.config);
    const host = config.server.host === '0.0.0.0' ? '127.0.0.1' : config.server.host;
    return `http://${host}:${config.server.port}`;
  }
  return process.env['MEDIC_URL'] ?? 'http://127.0.0.1:7070';
}

/**
 * The request's headers. A content type is sent only with a body: a JSON content type on a bodiless DELETE
 * or POST is a malformed request (Fastify answers 400 "Body cannot be empty").
 */
export function requestHeaders(
  init: RequestInit,
  token = process.env['MEDIC_TOKEN'],
): Record<string, string> {
  return {
    ...(init.body !== undefined && init.body !== null ? { 'content-type': 'application/json' } : {}),
    // Once any API token exists, every request needs one: MEDIC_TOKEN carries it for the CLI.
    ...(token ? { authorization: `Bearer ${token}` } : {}),
    ...((init.headers as Record<string, string> | undefined) ?? {}),
  };
}

export async function api<T>(base: string, route: string, init: RequestInit = {}): Promise<T> {
  let res: Response;
  try {
    res = await fetch(`${base}${route}`, { ...init, headers: requestHeaders(init) });
  } catch (err) {
    const code = (err as { cause?: { code?: string } }).cause?.code ?? (err as Error).message;
    throw new Error(
      `cannot reach Medic at ${base} (${code}): is \`medic run\` running? (--url or --config to point elsewhere)`,
    );
  }
  const body = (await res.json().catch(() => ({}))) as T & { error?: { message: string } };
  if (!res.ok)
    throw new Error(`${init.method ?? 'GET'} ${route}: ${res.status} ${body.error?.message ?? ''}`.trim());
  return body;
}
