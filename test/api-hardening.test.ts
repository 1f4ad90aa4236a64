/**
 * What a viewer or an old token can no longer do to a running daemon (issue 15): a long audit verification
 * and a search of stored lines let other requests through while they run and stay within their budget; a
 * token past its expiry is refused with the reason. Real daemon, real sockets, real SQLite.
 */
import { setTimeout as sleep } from 'node:timers/promises';
import { describe, expect, it } from 'vitest';
import { seedAuditChain } from '../src/store/audit-chain.fixture.js';
import type { KyselyStore } from '../src/store/index.js';
import { tempDir, waitFor } from './helpers.js';
import { bearer, medicCli, servedPerTest } from './operator-helpers.js';

const YAML = `services:
  web:
    checks:
      - command: { command: [${JSON.stringify(process.execPath)}, -e, "0"] }
        interval: 1h
notifiers: []
store: { dir: ./data }
`;

const serve = servedPerTest();

interface Verification {
  ok: boolean;
  entries: number;
  brokenAt: number | null;
  from: number;
  checked: number;
}

describe('API hardening', () => {
  it('answers other requests while it verifies a long audit chain, from checkpoints the next time', async () => {
    const s = await serve(await tempDir(), YAML);
    const db = (s.medic.store as KyselyStore).db;
    await seedAuditChain(db, 100_000);
    const get = (p: string, token: string) => fetch(`${s.url}${p}`, { headers: bearer(token) });
    expect((await get('/api/audit/verify', s.tokens.viewer)).status).toBe(403);

    const order: string[] = [];
    const verified = get('/api/audit/verify?full=true', s.tokens.operator).then(async (r) => {
      order.push('verify');
      return { status: r.status, body: (await r.json()) as Verification };
    });
    // The walk has begun once its first checkpoint is written; then another request comes in.
    await waitFor(
      'the first checkpoint',
      async () => (await db.selectFrom('audit_checkpoints').select('seq').executeTakeFirst()) ?? null,
      30_000,
      5,
    );
    const status = await get('/api/status', s.tokens.viewer);
    order.push('status');
    expect(status.status).toBe(200);
    const v = await verified;
    expect(order).toEqual(['status', 'verify']);
    expect(v).toEqual({
      status: 200,
      body: { ok: true, entries: expect.any(Number), brokenAt: null, from: 0, checked: expect.any(Number) },
    });
    // The daemon appends its own entries meanwhile; the seeded ones are all there.
    expect(v.body.entries).toBeGreaterThanOrEqual(100_000);

    // The next verification starts at the newest checkpoint.
    const again = (await (await get('/api/audit/verify', s.tokens.operator)).json()) as Verification;
    expect(again).toMatchObject({ ok: true, brokenAt: null });
    expect(again.from).toBeGreaterThanOrEqual(100_000);
    expect(again.checked).toBeLessThan(1_000);
    const head = (await (await get('/api/audit/head', s.tokens.viewer)).json()) as {
      seq: number;
      hash: string;
    };
    expect(head.seq).toBe(again.entries);
    expect(head.hash).toMatch(/^[0-9a-f]{64}$/);
  }, 120_000);

  it('cuts a search of stored lines short at its budget and reads on from the cursor', async () => {
    const s = await serve(await tempDir(), YAML);
    // 260 stored chunks (one per batch); the one line with the text is in the oldest.
    for (let c = 0; c < 260; c++) {
      const lines = Array.from({ length: 20 }, (_, k) => ({
        service: 'web',
        at: 1_000 + c * 20 + k,
        templateId: 't',
        level: 'info',
        source: 'stdout',
        text: c === 0 && k === 0 ? 'certificate rotation failed' : `GET /item/${c * 20 + k} 200`,
      }));
      await s.medic.store.recordLogBatch({ templates: [], lines });
    }
    const pages: { items: { text: string }[]; truncated: boolean; cursor: number | null }[] = [];
    let next = '/api/logs/lines?contains=rotation';
    for (let n = 0; n < 30; n++) {
      const r = await fetch(`${s.url}${next}`, { headers: bearer(s.tokens.viewer) });
      expect(r.status).toBe(200);
      const page = (await r.json()) as (typeof pages)[number];
      pages.push(page);
      if (!page.truncated) break;
      next = `/api/logs/lines?contains=rotation&before=${page.cursor}`;
    }
    // At most 200 chunks a request: the first answer cannot have reached the oldest chunk.
    expect(pages[0]).toMatchObject({ items: [], truncated: true });
    expect(pages.length).toBeGreaterThanOrEqual(2);
    expect(pages.at(-1)).toEqual({
      items: [expect.objectContaining({ text: 'certificate rotation failed', at: 1_000 })],
      truncated: false,
      cursor: null,
    });
  }, 60_000);

  it('refuses a token from its expiry on, saying it expired; the CLI creates and lists expiring tokens', async () => {
    const s = await serve(await tempDir(), YAML);
    const create = (body: object) =>
      fetch(`${s.url}/api/tokens`, {
        method: 'POST',
        headers: { ...bearer(s.tokens.admin), 'content-type': 'application/json' },
        body: JSON.stringify(body),
      });
    expect((await create({ name: 'temp', role: 'viewer', expires: 'soon' })).status).toBe(400);
    const made = await create({ name: 'temp', role: 'viewer', expires: '1s' });
    expect(made.status).toBe(201);
    const { token, info } = (await made.json()) as { token: string; info: { expiresAt: number } };
    expect(info.expiresAt).toBeGreaterThan(Date.now());
    const status = () => fetch(`${s.url}/api/status`, { headers: bearer(token) });
    expect((await status()).status).toBe(200);
    await sleep(Math.max(0, info.expiresAt - Date.now()) + 50);
    const refused = await status();
    expect(refused.status).toBe(401);
    expect(((await refused.json()) as { error: { message: string } }).error.message).toMatch(
      /^token temp expired at \d{4}-\d\d-\d\dT/,
    );

    const dir = await tempDir();
    const cli = await medicCli([
      'token',
      'create',
      '--name',
      'ci',
      '--role',
      'ingest',
      '--expires',
      '30d',
      '--data-dir',
      dir,
    ]);
    expect(cli.code, cli.stderr).toBe(0);
    expect(cli.stderr).toMatch(/created ingest token "ci" \(id [0-9a-f]{12}, expires \d{4}-/);
    const bad = await medicCli([
      'token',
      'create',
      '--name',
      'x',
      '--role',
      'viewer',
      '--expires',
      'later',
      '--data-dir',
      dir,
    ]);
    expect(bad.code).not.toBe(0);
    expect(bad.stderr).toMatch(/invalid duration "later"/);
    const list = await medicCli(['token', 'list', '--data-dir', dir]);
    expect(list.code, list.stderr).toBe(0);
    expect(list.stdout).toMatch(/EXPIRES/);
    expect(list.stdout).toMatch(/ci\s+ingest\s+.*\s+in 30d/);
  }, 90_000);

  it('refuses a silence whose regex is over 1 KiB with 400', async () => {
    const s = await serve(await tempDir(), YAML);
    const silence = (value: string) =>
      fetch(`${s.url}/api/silences`, {
        method: 'POST',
        headers: { ...bearer(s.tokens.operator), 'content-type': 'application/json' },
        body: JSON.stringify({ matchers: [{ name: 'pod', op: '=~', value }], duration: '1h' }),
      });
    const refused = await silence(`(${'x|'.repeat(600)}y)`);
    expect(refused.status).toBe(400);
    expect(((await refused.json()) as { error: { message: string } }).error.message).toMatch(/at most 1024/);
    expect((await silence('api-.*')).status).toBe(201);
  });
});
