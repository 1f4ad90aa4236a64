import { readFile, writeFile } from 'node:fs/promises';
import path from 'node:path';
import pino from 'pino';
import { afterEach, describe, expect, it } from 'vitest';
import { type BuiltApi, buildApi } from '../src/api/index.js';
import { auth } from '../src/api/testing.js';
import { createMedic, type Medic } from '../src/daemon/index.js';
import { ROOT, tempDir } from './helpers.js';

// `shipped` asks for pushed logs; `quiet` has a logs section but did not ask.
const CONFIG = `services:
  shipped:
    logs: { push: true, stdout: false }
  quiet:
    logs: { stdout: false }
notifiers: []
store: { dir: ./data }
`;

let medic: Medic | null = null;
let api: BuiltApi | null = null;
afterEach(async () => {
  api?.close();
  await api?.app.close();
  await medic?.stop();
  api = null;
  medic = null;
});

async function start(): Promise<string> {
  const dir = await tempDir('medic-ingest-');
  await writeFile(path.join(dir, 'medic.yaml'), CONFIG);
  medic = await createMedic({
    configFile: path.join(dir, 'medic.yaml'),
    watch: false,
    logger: pino({ level: 'silent' }),
  });
  api = buildApi(medic, { webRoot: null });
  await medic.start();
  return api.app.listen({ host: '127.0.0.1', port: 0 });
}

const ndjson = (service: string) => ({
  'content-type': 'application/x-ndjson',
  body: `${JSON.stringify({ service, message: 'GET /health 200' })}\n`,
});

describe('the ingest role', () => {
  it('an ingest token pushes logs and Alertmanager alerts, and can do nothing else', async () => {
    const url = await start();
    const { token: shipper } = await api!.tokens.create('shipper', 'ingest');
    const { token: viewer } = await api!.tokens.create('reader', 'viewer');
    const push = (token: string, service: string) => {
      const { body, ...headers } = ndjson(service);
      return fetch(`${url}/api/ingest/logs`, {
        method: 'POST',
        headers: { ...auth(token), ...headers },
        body,
      });
    };
    const pushed = await push(shipper, 'shipped');
    expect(pushed.status).toBe(200);
    expect(await pushed.json()).toMatchObject({ accepted: 1, rejected: 0 });
    const alert = await readFile(path.join(ROOT, 'src/sources/alerts/fixtures/resolved.json'), 'utf8');
    const alerted = await fetch(`${url}/api/ingest/alertmanager`, {
      method: 'POST',
      headers: { ...auth(shipper), 'content-type': 'application/json' },
      body: alert,
    });
    expect(alerted.status).toBe(200);
    // It reads nothing and changes nothing else.
    for (const [method, route] of [
      ['GET', '/api/status'],
      ['GET', '/api/logs/lines'],
      ['POST', '/api/checks/run'],
      ['GET', '/api/tokens'],
    ] as const) {
      const r = await fetch(`${url}${route}`, {
        method,
        headers: { ...auth(shipper), 'content-type': 'application/json' },
        body: method === 'POST' ? '{}' : undefined,
      });
      expect(r.status, `${method} ${route}`).toBe(403);
    }
    // A viewer cannot push.
    expect((await push(viewer, 'shipped')).status).toBe(403);
  });

  it('log push is off for a service until its config says push: true', async () => {
    const url = await start();
    const { token } = await api!.tokens.create('ops', 'operator');
    const { body, ...headers } = ndjson('quiet');
    const r = await fetch(`${url}/api/ingest/logs`, {
      method: 'POST',
      headers: { ...auth(token), ...headers },
      body,
    });
    expect(r.status).toBe(400);
    expect(((await r.json()) as { error: { message: string } }).error.message).toMatch(/accepts pushed logs/);
  });
});
