import Fastify, { type FastifyError, type FastifyInstance, type RawServerDefault } from 'fastify';
import { z } from 'zod';
import { MedicError } from '../core/index.js';
import type { Medic } from '../daemon/index.js';
import { bearer, installAuth, type ListenPlan, listenPlan } from './auth.js';
import { boundUrl } from './bound.js';
import { EventHub } from './events.js';
import { DEFAULT_TIMEOUTS, type HttpTimeouts, serverFactory } from './http-server.js';
import { installJsonBody } from './json-body.js';
import { createMetrics } from './metrics.js';
import { listensOnLoopback } from './open-mode.js';
import { openApiDocument } from './openapi.js';
import { Router } from './route.js';
import { registerActionRoutes } from './routes/actions.js';
import { registerAlertRoutes } from './routes/alerts.js';
import { registerAuditRoutes } from './routes/audit.js';
import { registerCiRoutes } from './routes/ci.js';
import { registerCiSummaryRoutes } from './routes/ci-summary.js';
import { registerIncidentRoutes } from './routes/incidents.js';
import { registerIngestRoutes } from './routes/ingest.js';
import { registerNotificationRoutes } from './routes/notifications.js';
import { registerPlaybookCatalogRoutes } from './routes/playbook-catalog.js';
import { registerPlaybookRoutes } from './routes/playbooks.js';
import { registerRemediationRoutes } from './routes/remediation.js';
import { registerReportRoutes } from './routes/reports.js';
import { registerSecurityRoutes } from './routes/security.js';
import { registerStatsRoutes } from './routes/stats.js';
import { registerStatusRoutes } from './routes/status.js';
import { registerTokenRoutes } from './routes/tokens.js';
import { type CorsOptions, DEFAULT_RATE_LIMIT, installSecurity, type RateLimitOptions } from './security.js';
import { defaultWebRoot, installStatic } from './static.js';
import { type TokenStore, tokenStoreOf } from './tokens.js';

const STATUS_OF: Record<string, number> = {
  bad_request: 400,
  unauthorized: 401,
  forbidden: 403,
  not_found: 404,
  conflict: 409,
  payload_too_large: 413,
  rate_limited: 429,
  unsupported: 501,
  unavailable: 503,
};

const VERSION = '0.1.0';

export interface ApiOptions {
  /** Browser origins allowed to call the API (config `server.cors.origins`); none: CORS off. */
  cors?: CorsOptions;
  rateLimit?: Partial<RateLimitOptions>;
  /** Largest request body in bytes (config `server.body_limit`); default 64 KiB. */
  bodyLimit?: number;
  /** The built dashboard; default web/dist of the package; null serves no dashboard. */
  webRoot?: string | null;
  /** SSE heartbeat interval; default 15 s (a third of the idle timeout when that is shorter). */
  heartbeatMs?: number;
  /** Live event streams open at once (config `server.sse.max_connections`); default 100. */
  sseMaxConnections?: number;
  /** How often a live event stream's token is re-checked; default 5 s. */
  sseRecheckMs?: number;
  /** Request, idle and keep-alive timeouts (config `server.timeouts`). */
  timeouts?: Partial<HttpTimeouts>;
  /**
   * Which proxies' X-Forwarded-For to believe for the client address (config `server.trust_proxy`): true,
   * a hop count, or addresses/CIDRs. Default false: the socket's peer is the client.
   */
  trustProxy?: boolean | number | string[];
}

export interface ApiServer {
  app: FastifyInstance;
  /** A URL the API answers at (for a server bound to every interface: its loopback address). */
  url: string;
  /** Where the socket is bound, as a URL (http://0.0.0.0:7070 when it listens on every interface). */
  bound: string;
  /** Where it listens and whether tokens are required, as decided at start. */
  plan: ListenPlan;
  tokens: TokenStore;
  close(): Promise<void>;
}

export interface BuiltApi {
  app: FastifyInstance;
  router: Router;
  tokens: TokenStore;
  events: EventHub;
  close(): void;
  /** Kept for callers of the first API. */
  closeMetrics(): void;
}

/** Builds the HTTP API over a Medic (not listening yet): routes read the store and the live status only. */
export function buildApi(medic: Medic, opts: ApiOptions = {}): BuiltApi {
  const timeouts = { ...DEFAULT_TIMEOUTS, ...opts.timeouts };
  const app = Fastify<RawServerDefault>({
    logger: false,
    bodyLimit: opts.bodyLimit ?? 64 * 1024,
    // fastify accepts a hop count too (its types omit it).
    trustProxy: (opts.trustProxy ?? false) as boolean | string[],
    forceCloseConnections: true,
    serverFactory: serverFactory(timeouts),
  });
  installJsonBody(app);
  const now = () => Date.now();
  const loopback = () => listensOnLoopback(app.server);
  const tokens = tokenStoreOf(medic.store);
  const events = new EventHub(medic.bus, {
    heartbeatMs: opts.heartbeatMs ?? Math.min(15_000, Math.floor(timeouts.idleMs / 3)),
    maxClients: opts.sseMaxConnections,
    recheckMs: opts.sseRecheckMs,
  });
  const metrics = createMetrics(medic, { sseClients: () => events.connected });
  const { limiter } = installSecurity(app, {
    cors: opts.cors,
    rateLimit: { ...DEFAULT_RATE_LIMIT, ...opts.rateLimit },
    now,
  });
  installAuth(app, {
    tokens,
    store: medic.store,
    now,
    loopback,
    behindProxy: opts.trustProxy !== undefined && opts.trustProxy !== false,
    onAuthFailure: (req) => limiter.authFailed(req),
  });
  app.setErrorHandler((err: FastifyError, _req, reply) => {
    const mapped = err instanceof MedicError ? STATUS_OF[err.code] : undefined;
    const status = mapped ?? (err instanceof MedicError ? 500 : (err.statusCode ?? 500));
    let code = err instanceof MedicError ? err.code : 'internal_error';
    if (!(err instanceof MedicError) && status === 400) code = 'bad_request';
    if (status === 413) code = 'payload_too_large';
    if (status === 415) code = 'unsupported_media_type';
    if (status >= 500) medic.logger.error({ err }, 'API error');
    const message = status >= 500 && !(err instanceof MedicError) ? 'internal error' : err.message;
    void reply.status(status).send({ error: { code, message } });
  });
  app.setNotFoundHandler((req, reply) => {
    void reply
      .status(404)
      .send({ error: { code: 'not_found', message: `no route ${req.method} ${req.url.split('?')[0]}` } });
  });

  const router = new Router(app);
  registerStatusRoutes(router, medic, () => tokens.any());
  registerIncidentRoutes(router, medic);
  registerActionRoutes(router, medic);
  registerAuditRoutes(router, medic);
  registerTokenRoutes(router, { tokens, loopback, now, revoked: () => void events.revalidate() });
  registerStatsRoutes(router, medic);
  registerIngestRoutes(router, medic);
  registerRemediationRoutes(router, medic);
  registerPlaybookRoutes(router, medic);
  registerPlaybookCatalogRoutes(router, medic);
  registerAlertRoutes(router, medic);
  registerCiRoutes(router, medic);
  registerCiSummaryRoutes(router, medic);
  registerReportRoutes(router, medic);
  registerNotificationRoutes(router, medic);
  registerSecurityRoutes(router, medic);
  router.add({
    method: 'GET',
    url: '/api/events',
    tag: 'meta',
    role: 'viewer',
    summary:
      'Server-sent events: finding, incident, action, health. Send Last-Event-ID to resume; `reset` means reload',
    produces: 'text/event-stream',
    handler: async ({ req, reply }) => {
      if (events.full)
        throw new MedicError(
          'unavailable',
          `${events.maxClients} live event streams are open; try again later`,
        );
      void reply.hijack();
      const headers: Record<string, string> = {};
      for (const [k, v] of Object.entries(reply.getHeaders())) if (typeof v === 'string') headers[k] = v;
      const last = req.headers['last-event-id'];
      // The stream lives as long as what let it in: its token, or open mode (no token at all).
      const token = bearer(req);
      const stillAllowed = token
        ? async () => (await tokens.verify(token)) !== null
        : async () => !(await tokens.any());
      events.attach(reply.raw, Array.isArray(last) ? last[0] : last, headers, stillAllowed);
    },
  });
  router.add({
    method: 'GET',
    url: '/metrics',
    tag: 'meta',
    role: 'public',
    summary: 'Prometheus metrics: probe durations, scheduler lag, findings, actions by outcome, API requests',
    produces: 'text/plain',
    handler: async ({ reply }) => {
      void reply.header('content-type', metrics.registry.contentType);
      return metrics.registry.metrics();
    },
  });
  router.add({
    method: 'GET',
    url: '/api/openapi.json',
    tag: 'meta',
    role: 'public',
    summary: 'This document',
    response: z.record(z.string(), z.unknown()),
    handler: async () => openApiDocument(router.docs, VERSION),
  });
  app.addHook('onResponse', async (req, reply) => {
    if (req.routeOptions.url) metrics.request(req.method, req.routeOptions.url, reply.statusCode);
  });
  const webRoot = opts.webRoot === undefined ? defaultWebRoot() : opts.webRoot;
  if (webRoot) installStatic(app, webRoot);
  const close = () => {
    events.close();
    metrics.close();
  };
  return { app, router, tokens, events, close, closeMetrics: close };
}

/** What to warn about `server.trust_proxy` at start. */
export function proxyWarnings(trustProxy: ApiOptions['trustProxy'], auth: boolean): string[] {
  const out: string[] = [];
  // true believes X-Forwarded-For from any peer: a client names itself anew each request and escapes the
  // per-client rate limit and sign-in lockout.
  if (trustProxy === true)
    out.push(
      'server.trust_proxy is true: any client can spoof X-Forwarded-For and escape the rate limit and sign-in lockout; list the proxy addresses instead (e.g. [127.0.0.1])',
    );
  if (trustProxy !== undefined && trustProxy !== false && !auth)
    out.push(
      'server.trust_proxy is set and no API token exists: every API request is refused (401) until one is created',
    );
  return out;
}

/**
 * Starts the API. Where it listens is decided by listenPlan: with no API token in the store it binds to
 * 127.0.0.1 whatever `host` says, and logs why; `medic run` needs nothing else.
 */
export async function startApi(
  medic: Medic,
  host: string,
  port: number,
  opts: ApiOptions = {},
): Promise<ApiServer> {
  const built = buildApi(medic, opts);
  const plan = await listenPlan(built.tokens, host);
  if (plan.restricted) medic.logger.warn(plan.message);
  else medic.logger.info(plan.message);
  for (const w of proxyWarnings(opts.trustProxy, plan.auth)) medic.logger.warn(w);
  const address = await built.app.listen({ host: plan.host, port });
  return {
    app: built.app,
    url: address,
    bound: boundUrl(built.app.server, address),
    plan,
    tokens: built.tokens,
    close: async () => {
      built.close();
      await built.app.close();
    },
  };
}
