import { mkdir, writeFile } from 'node:fs/promises';
import path from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { type ApiFixture, apiFixture, auth, seedIncident } from '../src/api/testing.js';
import type { Finding } from '../src/core/index.js';
import { tempDir, waitFor } from './helpers.js';

let fx: ApiFixture | null = null;
afterEach(async () => {
  await fx?.close();
  fx = null;
});

describe('API routes', () => {
  it('the OpenAPI document lists every route the server answers, with its role', async () => {
    fx = await apiFixture();
    const { app } = fx.api;
    const routes = new Set<string>();
    for (const d of fx.api.router.docs) routes.add(`${d.method} ${d.url}`);
    const doc = (await app.inject({ url: '/api/openapi.json' })).json() as {
      openapi: string;
      paths: Record<string, Record<string, { 'x-medic-role': string; parameters: { name: string }[] }>>;
    };
    expect(doc.openapi).toBe('3.1.0');
    const documented = new Set<string>();
    for (const [p, ops] of Object.entries(doc.paths))
      for (const m of Object.keys(ops))
        documented.add(`${m.toUpperCase()} ${p.replace(/\{(\w+)\}/g, ':$1')}`);
    expect([...documented].sort()).toEqual([...routes].sort());
    for (const r of [
      'GET /api/health',
      'GET /api/status',
      'GET /api/services',
      'GET /api/services/:name/checks/:check/history',
      'GET /api/incidents',
      'GET /api/incidents/:id',
      'GET /api/findings',
      'POST /api/actions/:id/approve',
      'POST /api/actions/:id/reject',
      'POST /api/checks/run',
      'GET /api/stats',
      'GET /api/events',
      'GET /api/audit',
      'POST /api/tokens',
      'GET /metrics',
    ])
      expect(documented, r).toContain(r);
    expect(doc.paths['/api/actions/{id}/approve']?.['post']?.['x-medic-role']).toBe('operator');
    expect(doc.paths['/api/incidents']?.['get']?.parameters.map((p) => p.name)).toEqual(
      expect.arrayContaining(['limit', 'offset', 'state', 'service']),
    );
    // Every route Fastify serves under /api is in the document.
    const served = (app.printRoutes({ commonPrefix: false }).match(/\/api\/[^\s(]*/g) ?? []).filter(Boolean);
    for (const s of served)
      expect(
        [...routes].some((r) => r.endsWith(` ${s}`)),
        s,
      ).toBe(true);
  });

  it('pages 10,000 incidents on the server and gives one incident its timeline in order', async () => {
    fx = await apiFixture();
    const base = Date.now() - 10_000_000;
    await seedMany(fx, 10_000, base);
    const h = auth(fx.tokens.viewer);
    // How fast this answers is measured by `npm run bench:api`, not asserted here.
    const first = await fx.api.app.inject({ url: '/api/incidents?limit=50', headers: h });
    const page = first.json() as {
      items: { id: string; openedAt: number }[];
      total: number;
      hasMore: boolean;
    };
    expect(page.total).toBe(10_000);
    expect(page.items).toHaveLength(50);
    expect(page.hasMore).toBe(true);
    expect(page.items[0]!.openedAt).toBeGreaterThan(page.items[49]!.openedAt);
    const filtered = await fx.api.app.inject({ url: '/api/incidents?state=resolved&limit=10', headers: h });
    expect((filtered.json() as { total: number }).total).toBe(5000);

    const inc = await seedIncident(fx.medic, Date.now());
    await fx.medic.store.transitionIncident(inc.id, 'remediating', 'restarting', Date.now() + 1);
    await fx.medic.store.addTimeline(inc.id, Date.now() + 2, 'note', 'step 1 (restart): ok');
    await fx.medic.store.transitionIncident(inc.id, 'resolved', 'healthy again', Date.now() + 3);
    const one = (await fx.api.app.inject({ url: `/api/incidents/${inc.id}`, headers: h })).json() as {
      timeline: { at: number; message: string }[];
    };
    expect(one.timeline.map((t) => t.message)).toEqual([
      'seeded',
      'restarting',
      'step 1 (restart): ok',
      'healthy again',
    ]);
    expect((await fx.api.app.inject({ url: '/api/incidents/nope', headers: h })).json().error.code).toBe(
      'not_found',
    );
  });

  it('answers services, probe history, findings, stats and run-checks-now', async () => {
    fx = await apiFixture();
    const { app } = fx.api;
    const h = auth(fx.tokens.operator);
    const run = await app.inject({
      method: 'POST',
      url: '/api/checks/run',
      headers: h,
      payload: { service: 'web' },
    });
    expect(run.statusCode).toBe(200);
    expect(run.json().services[0]).toMatchObject({ name: 'web', health: 'healthy' });
    // Probe results reach the store in batches: wait for the first.
    const services = await waitFor('a stored probe result', async () => {
      const body = (await app.inject({ url: '/api/services', headers: h })).json();
      return body.items[0].latest.length ? body : null;
    });
    expect(services.items[0].latest[0]).toMatchObject({
      service: 'web',
      check: 'health',
      result: { ok: true },
    });
    const hist = (await app.inject({ url: '/api/services/web/checks/health/history', headers: h })).json();
    expect(hist.items).toHaveLength(1);
    expect((await app.inject({ url: '/api/services/nope', headers: h })).statusCode).toBe(404);

    const f: Finding = {
      id: 'fnd_1',
      service: 'web',
      check: 'health',
      kind: 'down',
      severity: 'critical',
      score: 1,
      summary: 'web is down',
      evidence: {},
      at: Date.now(),
    };
    await fx.medic.store.insertFinding(f, null);
    const findings = (await app.inject({ url: '/api/findings?service=web', headers: h })).json();
    expect(findings).toMatchObject({ items: [{ id: 'fnd_1' }], hasMore: false, limit: 50, offset: 0 });
    await fx.medic.store.recordOutcome({
      incidentId: null,
      service: 'web',
      cause: 'process_crashed',
      playbook: 'restart-web',
      success: true,
      healMs: 1200,
      at: Date.now(),
    });
    const stats = (await app.inject({ url: '/api/stats', headers: h })).json();
    expect(stats.outcomes).toEqual([
      {
        cause: 'process_crashed',
        playbook: 'restart-web',
        attempts: 1,
        successes: 1,
        successRate: 1,
        meanHealMs: 1200,
        learnedConfidence: 1,
      },
    ]);
    expect(stats.incidents).toHaveProperty('open');

    const metrics = await app.inject({ url: '/metrics' });
    for (const m of [
      'medic_probe_duration_seconds',
      'medic_scheduler_lag_seconds',
      'medic_findings_total',
      'medic_action_outcomes_total',
      'medic_api_requests_total',
      'medic_incidents_active',
    ])
      expect(metrics.body).toContain(m);
  });
});

describe('the dashboard files', () => {
  it('serves web/dist with security headers, falls back to index.html, and never leaves the folder', async () => {
    const root = await tempDir('medic-web-');
    await mkdir(path.join(root, 'assets'), { recursive: true });
    await writeFile(path.join(root, 'index.html'), '<!doctype html><title>Medic</title>');
    await writeFile(path.join(root, 'assets', 'app-1.js'), 'console.log(1)');
    fx = await apiFixture({ webRoot: root });
    const { app } = fx.api;
    const index = await app.inject({ url: '/' });
    expect(index.body).toContain('<title>Medic</title>');
    expect(String(index.headers['content-security-policy'])).toContain("script-src 'self'");
    const js = await app.inject({ url: '/assets/app-1.js' });
    expect(js.headers['content-type']).toMatch(/^text\/javascript/);
    expect(js.headers['cache-control']).toContain('immutable');
    expect((await app.inject({ url: '/incidents/deep/link' })).body).toContain('<title>Medic</title>');
    for (const evil of [
      '/..%2f..%2f..%2fetc%2fpasswd',
      '/%2e%2e/%2e%2e/etc/passwd',
      '/assets/../../../etc/passwd',
    ])
      expect((await app.inject({ url: evil })).body, evil).not.toContain('root:');
    const missing = await app.inject({ url: '/api/nope' });
    expect(missing.statusCode).toBe(404);
    expect(missing.json().error.code).toBe('not_found');
  });
});

async function seedMany(f: ApiFixture, n: number, base: number): Promise<void> {
  const db = (
    f.medic.store as unknown as { db: import('kysely').Kysely<import('../src/store/index.js').StoreSchema> }
  ).db;
  for (let i = 0; i < n; i += 500) {
    const rows = Array.from({ length: Math.min(500, n - i) }, (_, j) => {
      const k = i + j;
      return {
        id: `inc_bulk${String(k).padStart(8, '0')}`,
        service: k % 3 === 0 ? 'web' : `svc${k % 7}`,
        state: k % 2 === 0 ? 'resolved' : 'escalated',
        title: `incident ${k}`,
        severity: 'critical',
        root_cause: null,
        opened_at: base + k * 1000,
        updated_at: base + k * 1000,
        resolved_at: k % 2 === 0 ? base + k * 1000 + 500 : null,
      };
    });
    await db.insertInto('incidents').values(rows).execute();
  }
}
