import os from 'node:os';
import { afterEach, describe, expect, it } from 'vitest';
import { type ApiFixture, apiFixture, auth } from '../src/api/testing.js';
import { request } from './raw-http.js';

let fx: ApiFixture | null = null;
afterEach(async () => {
  await fx?.close();
  fx = null;
});

/** An IPv4 address of this machine that is not loopback, if it has one. */
const external = Object.values(os.networkInterfaces())
  .flat()
  .find((i) => i && i.family === 'IPv4' && !i.internal)?.address;

describe('open mode follows the listening socket', () => {
  it.skipIf(!external)(
    'bound beyond loopback: the last admin token stays, and with no token left nobody is let in, whatever the Host header says',
    async () => {
      fx = await apiFixture();
      const url = await fx.api.app.listen({ host: external!, port: 0 });
      const port = new URL(url).port;
      const refused = await request(`${url}/api/tokens/admin-bot`, {
        method: 'DELETE',
        headers: auth(fx.tokens.admin),
      });
      expect(refused.status).toBe(409);
      expect(JSON.parse(refused.body).error.message).toMatch(/last admin token/);
      // Revoked behind the API's back (as `medic token revoke` does), every token gone:
      for (const name of ['viewer-bot', 'operator-bot', 'admin-bot']) await fx.api.tokens.revoke(name);
      for (const host of [`127.0.0.1:${port}`, `localhost:${port}`, `${external}:${port}`]) {
        const r = await request(`${url}/api/status`, { headers: { host } });
        expect(r.status, `Host: ${host}`).toBe(401);
        const change = await request(`${url}/api/services/web/reset`, {
          method: 'POST',
          headers: { host, 'content-type': 'application/json' },
          body: '{}',
        });
        expect(change.status, `POST with Host: ${host}`).toBe(401);
      }
    },
  );

  it('on loopback the last admin token may go, and the API is then open to this machine', async () => {
    fx = await apiFixture();
    const url = await fx.api.app.listen({ host: '127.0.0.1', port: 0 });
    for (const name of ['viewer-bot', 'operator-bot']) await fx.api.tokens.revoke(name);
    const r = await request(`${url}/api/tokens/admin-bot`, {
      method: 'DELETE',
      headers: auth(fx.tokens.admin),
    });
    expect(r.status).toBe(200);
    const me = await request(`${url}/api/me`);
    expect(JSON.parse(me.body)).toMatchObject({ name: 'local', auth: false });
  });

  it("open mode's CSRF check compares the whole origin: another local port is another site", async () => {
    fx = await apiFixture({ withTokens: false });
    const url = await fx.api.app.listen({ host: '127.0.0.1', port: 0 });
    const host = new URL(url).host;
    const post = (headers: Record<string, string>) =>
      request(`${url}/api/services/web/reset`, {
        method: 'POST',
        headers: { host, 'content-type': 'application/json', ...headers },
        body: '{}',
      });
    const otherPort = await post({ origin: 'http://127.0.0.1:1' });
    expect(otherPort.status).toBe(403);
    const otherScheme = await post({ origin: `https://${host}` });
    expect(otherScheme.status).toBe(403);
    const sameSite = await post({ 'sec-fetch-site': 'same-site' });
    expect(sameSite.status).toBe(403);
    const dashboard = await post({ origin: `http://${host}`, 'sec-fetch-site': 'same-origin' });
    expect(dashboard.status).toBe(200);
  });
});
