import { afterEach, describe, expect, it } from 'vitest';
import { proxyWarnings } from './server.js';
import { type ApiFixture, apiFixture } from './testing.js';

let fx: ApiFixture | null = null;
afterEach(async () => {
  await fx?.close();
  fx = null;
});

/** A change as nginx's `proxy_pass http://127.0.0.1:7070` sends it: loopback Host, no Origin (curl). */
const reset = (headers: Record<string, string>) => ({
  method: 'POST' as const,
  url: '/api/services/web/reset',
  headers: { host: '127.0.0.1:7070', 'content-type': 'application/json', ...headers },
  payload: '{}',
});

describe('open mode is not lent to a reverse proxy', () => {
  it('refuses (401) a request carrying X-Forwarded-For, Forwarded or X-Real-IP', async () => {
    fx = await apiFixture({ withTokens: false });
    const local = await fx.api.app.inject(reset({}));
    expect(local.statusCode).toBe(200);
    const proxied: Record<string, string>[] = [
      { 'x-forwarded-for': '203.0.113.9' },
      { forwarded: 'for=203.0.113.9;proto=https' },
      { 'x-real-ip': '203.0.113.9' },
    ];
    for (const h of proxied) {
      const r = await fx.api.app.inject(reset(h));
      expect(r.statusCode, JSON.stringify(h)).toBe(401);
      expect(r.json().error.message).toMatch(/proxied request .*create an API token/);
      const read = await fx.api.app.inject({ url: '/api/status', headers: h });
      expect(read.statusCode, `GET ${JSON.stringify(h)}`).toBe(401);
    }
  });

  it('refuses every request while server.trust_proxy is set, and warns about trust_proxy: true', async () => {
    fx = await apiFixture({ withTokens: false, trustProxy: ['127.0.0.1'] });
    const r = await fx.api.app.inject(reset({}));
    expect(r.statusCode).toBe(401);
    expect(r.json().error.message).toMatch(/server\.trust_proxy says a proxy is in front/);
    expect(proxyWarnings(true, true).join('\n')).toMatch(/spoof X-Forwarded-For/);
    expect(proxyWarnings(['127.0.0.1'], true)).toEqual([]);
    expect(proxyWarnings(['127.0.0.1'], false).join('\n')).toMatch(/every API request is refused/);
    expect(proxyWarnings(false, false)).toEqual([]);
  });

  it('with tokens, a proxied request signs in as usual', async () => {
    fx = await apiFixture({ trustProxy: true });
    const r = await fx.api.app.inject({
      url: '/api/status',
      headers: { authorization: `Bearer ${fx.tokens.viewer}`, 'x-forwarded-for': '203.0.113.9' },
    });
    expect(r.statusCode).toBe(200);
  });
});
