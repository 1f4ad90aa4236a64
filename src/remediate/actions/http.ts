import { ActionError, type BoundedResponse, boundedFetch, errorMessage } from '../../core/index.js';
import type { RemediationAction } from './action.js';

const MAX_BODY = 64 * 1024;

/** Calls an application's admin endpoint (clear a cache, reset connections). */
export const httpAction: RemediationAction = {
  kind: 'http',
  plan(step, service) {
    const h = step.http;
    if (!h) throw new ActionError('http step without http');
    return {
      kind: 'http',
      target: service,
      // Header values may hold secrets: the plan keeps only their names, apply reads them from config.
      params: { url: h.url, method: h.method, headerNames: Object.keys(h.headers), status: h.status ?? null },
      description: `${h.method} ${h.url}`,
    };
  },
  async apply(plan, ctx) {
    const url = plan.params['url'] as string;
    const method = plan.params['method'] as string;
    const step = ctx.step.http;
    let res: BoundedResponse;
    try {
      // The configured headers (often a secret) go to the configured origin only, never along a redirect
      // elsewhere; the answer's body is only drained, so a little of it is enough.
      res = await boundedFetch(url, {
        method,
        headers: step?.headers ?? {},
        body: step?.body,
        signal: ctx.signal,
        maxBody: MAX_BODY,
      });
    } catch (err) {
      const cause = (err as { cause?: { code?: string } }).cause?.code;
      throw new ActionError(`${method} ${url} failed: ${cause ?? errorMessage(err)}`);
    }
    const want = plan.params['status'] as number | number[] | null;
    const ok =
      want === null
        ? res.status >= 200 && res.status < 300
        : ([] as number[]).concat(want).includes(res.status);
    if (!ok) throw new ActionError(`${method} ${url} answered ${res.status}`);
    return `${method} ${url} answered ${res.status}`;
  },
};
