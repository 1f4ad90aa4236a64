import { readdir, readFile } from 'node:fs/promises';
import path from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { listenPlan } from '../src/api/auth.js';
import { type ApiFixture, apiFixture, auth, seedWaitingAction } from '../src/api/testing.js';
import { type Role, roleAllows } from '../src/api/tokens.js';

let fx: ApiFixture | null = null;
afterEach(async () => {
  await fx?.close();
  fx = null;
});

/** A concrete URL for a route pattern. */
const urlOf = (pattern: string) => pattern.replace(/:[A-Za-z]+/g, 'x');

describe('API auth', () => {
  it('every route enforces its role: 401 without a token, 403 below its role', async () => {
    fx = await apiFixture();
    const { app, router } = fx.api;
    const guarded = router.docs.filter((d) => d.role !== 'public');
    expect(guarded.length).toBeGreaterThan(15);
    for (const d of guarded) {
      const method = d.method;
      const url = urlOf(d.url);
      const none = await app.inject({ method, url, payload: method === 'GET' ? undefined : {} });
      expect(none.statusCode, `${method} ${url} without a token`).toBe(401);
      expect(none.json().error.code).toBe('unauthorized');
      for (const role of ['viewer', 'operator'] as const) {
        if (roleAllows(role, d.role as Role)) continue;
        const r = await app.inject({ method, url, headers: auth(fx.tokens[role]), payload: {} });
        expect(r.statusCode, `${method} ${url} as ${role}`).toBe(403);
        expect(r.json().error).toEqual({ code: 'forbidden', message: expect.stringContaining(d.role) });
      }
    }
    const bad = await app.inject({ url: '/api/status', headers: auth('medic_000000000000_nope') });
    expect(bad.statusCode).toBe(401);
    expect((await app.inject({ url: '/api/health' })).statusCode).toBe(200);
  });

  it('a viewer cannot approve, an operator cannot create tokens, an admin can', async () => {
    fx = await apiFixture();
    const { app } = fx.api;
    const waiting = await seedWaitingAction(fx.medic);
    const approve = `/api/actions/${waiting.id}/approve`;
    const asViewer = await app.inject({ method: 'POST', url: approve, headers: auth(fx.tokens.viewer) });
    expect(asViewer.statusCode).toBe(403);
    expect((await fx.medic.store.getAction(waiting.id))?.state).toBe('awaiting_approval');

    const create = { method: 'POST' as const, url: '/api/tokens', payload: { name: 'ci', role: 'viewer' } };
    expect((await app.inject({ ...create, headers: auth(fx.tokens.operator) })).statusCode).toBe(403);
    const made = await app.inject({ ...create, headers: auth(fx.tokens.admin) });
    expect(made.statusCode).toBe(201);
    const { token } = made.json() as { token: string };
    const me = await app.inject({ url: '/api/me', headers: auth(token) });
    expect(me.json()).toEqual({ name: 'ci', role: 'viewer', auth: true });

    const rejected = await app.inject({
      method: 'POST',
      url: `/api/actions/${waiting.id}/reject`,
      headers: auth(fx.tokens.operator),
    });
    expect(rejected.statusCode).toBe(200);
    expect(rejected.json().actions[0].state).toBe('skipped');
    const again = await app.inject({ method: 'POST', url: approve, headers: auth(fx.tokens.operator) });
    expect(again.statusCode).toBe(409);
    expect(again.json().error.code).toBe('conflict');

    const revoke = await app.inject({
      method: 'DELETE',
      url: '/api/tokens/ci',
      headers: auth(fx.tokens.admin),
    });
    expect(revoke.statusCode).toBe(200);
    expect((await app.inject({ url: '/api/me', headers: auth(token) })).statusCode).toBe(401);
  });

  it('audits every mutating request, allowed or refused, under the token name', async () => {
    fx = await apiFixture();
    const { app } = fx.api;
    const waiting = await seedWaitingAction(fx.medic);
    await app.inject({
      method: 'POST',
      url: `/api/actions/${waiting.id}/approve`,
      headers: auth(fx.tokens.viewer),
    });
    await app.inject({
      method: 'POST',
      url: `/api/actions/${waiting.id}/reject`,
      headers: auth(fx.tokens.operator),
    });
    const audit = await fx.medic.store.listAudit({ limit: 50 });
    const refused = audit.find((e) => e.event === 'api.refused');
    expect(refused).toMatchObject({ actor: 'viewer-bot', subject: 'POST /api/actions/:id/approve' });
    expect(refused?.data).toMatchObject({ status: 403, role: 'viewer' });
    expect(audit.find((e) => e.event === 'api.request')).toMatchObject({
      actor: 'operator-bot',
      subject: 'POST /api/actions/:id/reject',
    });
    const journal = await fx.medic.store.journal(waiting.id);
    expect(journal.at(-1)?.message).toBe('rejected by operator-bot');
    expect((await fx.medic.store.verifyAudit()).ok).toBe(true);
  });

  it('never stores a token in clear', async () => {
    fx = await apiFixture();
    await fx.close();
    const dataDir = path.join(fx.dir, 'data');
    const files = await readdir(dataDir);
    const bytes = Buffer.concat(await Promise.all(files.map((f) => readFile(path.join(dataDir, f)))));
    for (const token of Object.values(fx.tokens)) {
      const secret = token.split('_').slice(2).join('_');
      expect(secret.length).toBeGreaterThan(40);
      expect(bytes.includes(Buffer.from(secret))).toBe(false);
      expect(bytes.includes(Buffer.from(token))).toBe(false);
    }
    fx = null;
  });

  it('malformed requests get a 400 with the reason; bodies are size-limited', async () => {
    fx = await apiFixture({ bodyLimit: 1024 });
    const { app } = fx.api;
    const h = { ...auth(fx.tokens.admin), 'content-type': 'application/json' };
    const notJson = await app.inject({
      method: 'POST',
      url: '/api/checks/run',
      headers: h,
      payload: '{nope',
    });
    expect(notJson.statusCode).toBe(400);
    expect(notJson.json().error.code).toBe('bad_request');
    const badField = await app.inject({
      method: 'POST',
      url: '/api/tokens',
      headers: h,
      payload: { name: 'x', role: 'god' },
    });
    expect(badField.statusCode).toBe(400);
    expect(badField.json().error.message).toMatch(/^body\.role: /);
    const badQuery = await app.inject({ url: '/api/incidents?limit=0', headers: h });
    expect(badQuery.json().error).toEqual({
      code: 'bad_request',
      message: expect.stringMatching(/^query\.limit/),
    });
    const big = await app.inject({
      method: 'POST',
      url: '/api/checks/run',
      headers: h,
      payload: JSON.stringify({ service: 'x'.repeat(4096) }),
    });
    expect(big.statusCode).toBe(413);
    expect(big.json().error.code).toBe('payload_too_large');
  });

  it('without tokens: open to local users as admin, and listens on loopback only', async () => {
    fx = await apiFixture({ withTokens: false });
    const me = await fx.api.app.inject({ url: '/api/me' });
    expect(me.json()).toEqual({ name: 'local', role: 'admin', auth: false });
    const plan = await listenPlan(fx.api.tokens, '0.0.0.0');
    expect(plan).toMatchObject({ host: '127.0.0.1', auth: false, restricted: true });
    expect(plan.message).toMatch(/no API token configured: listening on 127\.0\.0\.1 only/);
    await fx.api.tokens.create('ops', 'operator');
    expect(await listenPlan(fx.api.tokens, '0.0.0.0')).toMatchObject({ host: '0.0.0.0', auth: true });
  });

  it('without tokens: a foreign Host (DNS rebinding) or a cross-site change (CSRF) is refused', async () => {
    fx = await apiFixture({ withTokens: false });
    const rebound = await fx.api.app.inject({
      url: '/api/status',
      headers: { host: 'attacker.example:7070' },
    });
    expect(rebound.statusCode).toBe(403);
    const local = await fx.api.app.inject({ url: '/api/status', headers: { host: '127.0.0.1:7070' } });
    expect(local.statusCode).toBe(200);
    const reset = '/api/services/web/reset';
    const csrf = await fx.api.app.inject({
      method: 'POST',
      url: reset,
      headers: {
        host: '127.0.0.1:7070',
        origin: 'https://attacker.example',
        'content-type': 'application/json',
      },
      payload: '{}',
    });
    expect(csrf.statusCode).toBe(403);
    const crossSite = await fx.api.app.inject({
      method: 'POST',
      url: reset,
      headers: { host: '127.0.0.1:7070', 'sec-fetch-site': 'cross-site', 'content-type': 'application/json' },
      payload: '{}',
    });
    expect(crossSite.statusCode).toBe(403);
    // The dashboard itself (same origin) and the CLI (no Origin) still work.
    const dashboard = await fx.api.app.inject({
      method: 'POST',
      url: reset,
      headers: {
        host: '127.0.0.1:7070',
        origin: 'http://127.0.0.1:7070',
        'content-type': 'application/json',
      },
      payload: '{}',
    });
    expect(dashboard.statusCode).not.toBe(403);
    const cli = await fx.api.app.inject({
      method: 'POST',
      url: reset,
      headers: { 'content-type': 'application/json' },
      payload: '{}',
    });
    expect(cli.statusCode).not.toBe(403);
  });

  it('sends security headers, keeps CORS off unless configured, and rate-limits', async () => {
    fx = await apiFixture({ rateLimit: { max: 5, windowMs: 60_000 } });
    const { app } = fx.api;
    const r = await app.inject({ url: '/api/health', headers: { origin: 'https://evil.example' } });
    expect(r.headers['x-content-type-options']).toBe('nosniff');
    expect(r.headers['x-frame-options']).toBe('DENY');
    expect(String(r.headers['content-security-policy'])).toContain("default-src 'self'");
    expect(r.headers['access-control-allow-origin']).toBeUndefined();
    const codes: number[] = [];
    for (let i = 0; i < 6; i++) codes.push((await app.inject({ url: '/api/health' })).statusCode);
    expect(codes.at(-1)).toBe(429);
    await fx.close();

    fx = await apiFixture({ cors: { origins: ['https://ops.example'] } });
    const pre = await fx.api.app.inject({
      method: 'OPTIONS',
      url: '/api/status',
      headers: { origin: 'https://ops.example', 'access-control-request-method': 'GET' },
    });
    expect(pre.statusCode).toBe(204);
    expect(pre.headers['access-control-allow-origin']).toBe('https://ops.example');
  });
});
