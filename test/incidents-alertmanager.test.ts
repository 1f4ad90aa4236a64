import { existsSync } from 'node:fs';
import { mkdir, writeFile } from 'node:fs/promises';
import { createServer, type Server } from 'node:http';
import path from 'node:path';
import { afterEach, beforeAll, describe, expect, it } from 'vitest';
import { type ApiServer, startApi } from '../src/api/index.js';
import type { Medic } from '../src/daemon/index.js';
import { type FakeModel, startModel } from '../src/diagnose/model.fixture.js';
import { freePort, tempDir, waitFor } from './helpers.js';
import { run, startMedic, stop } from './incidents-helpers.js';

const PROMETHEUS = '/usr/bin/prometheus';
const ALERTMANAGER = '/usr/bin/prometheus-alertmanager';
const haveBinaries = existsSync(PROMETHEUS) && existsSync(ALERTMANAGER);

let medic: Medic | null = null;
let api: ApiServer | null = null;
const cleanups: (() => Promise<void>)[] = [];

afterEach(async () => {
  for (const c of cleanups.splice(0).reverse()) await c().catch(() => {});
  await api?.close();
  api = null;
  await medic?.stop();
  medic = null;
});

/** The scraped target: `shop_broken 1` until its fix endpoint is called. */
async function startTarget(): Promise<{ port: number; fixes: () => number; server: Server }> {
  let broken = 1;
  let fixes = 0;
  const server = createServer((req, res) => {
    if (req.method === 'POST' && req.url === '/fix') {
      broken = 0;
      fixes++;
      res.end('fixed');
      return;
    }
    res.setHeader('content-type', 'text/plain; version=0.0.4');
    res.end(`# TYPE shop_broken gauge\nshop_broken ${broken}\n`);
  });
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
  const port = (server.address() as { port: number }).port;
  return { port, fixes: () => fixes, server };
}

describe('Alertmanager receiver with the real Prometheus and Alertmanager', () => {
  // No silent skip: without the binaries this fails, naming the packages (.ci/run installs them).
  beforeAll(() => {
    if (!haveBinaries) throw new Error('apt-get install prometheus prometheus-alertmanager');
  });
  it('a rule fires, Alertmanager posts to Medic, the playbook runs, the alert resolves', async () => {
    const dir = await tempDir();
    const target = await startTarget();
    cleanups.push(() => new Promise((r) => target.server.close(() => r())));
    medic = await startMedic(
      dir,
      `services:
  shop:
    description: known to Medic through its alerts only
playbooks:
  fix-shop:
    when: { service: shop, kind: alert }
    steps:
      - http: { url: "http://127.0.0.1:${target.port}/fix", method: POST }
    verify: { within: 40s, stable_for: 500ms }
notifiers: []
store: { dir: ./data }
`,
    );
    const m = medic;
    api = await startApi(m, '127.0.0.1', 0, { webRoot: null });
    const [promPort, amPort, amCluster] = [await freePort(), await freePort(), await freePort()];
    await mkdir(path.join(dir, 'am'));
    await mkdir(path.join(dir, 'prom'));
    await writeFile(
      path.join(dir, 'alertmanager.yml'),
      `route: { receiver: medic, group_by: [alertname, service], group_wait: 1s, group_interval: 1s, repeat_interval: 1h }
receivers:
  - name: medic
    webhook_configs:
      - url: "${api.url}/api/ingest/alertmanager"
        send_resolved: true
`,
    );
    await writeFile(
      path.join(dir, 'rules.yml'),
      `groups:
  - name: shop
    interval: 1s
    rules:
      - alert: ShopBroken
        expr: shop_broken == 1
        labels: { severity: critical, service: shop }
        annotations: { summary: "the shop says it is broken" }
`,
    );
    await writeFile(
      path.join(dir, 'prometheus.yml'),
      `global: { scrape_interval: 1s, evaluation_interval: 1s }
rule_files: [rules.yml]
alerting:
  alertmanagers: [{ static_configs: [{ targets: ["127.0.0.1:${amPort}"] }] }]
scrape_configs:
  - job_name: shop-metrics
    static_configs: [{ targets: ["127.0.0.1:${target.port}"] }]
`,
    );
    const am = run(
      ALERTMANAGER,
      [
        `--config.file=${path.join(dir, 'alertmanager.yml')}`,
        `--storage.path=${path.join(dir, 'am')}`,
        `--web.listen-address=127.0.0.1:${amPort}`,
        `--cluster.listen-address=127.0.0.1:${amCluster}`,
        '--cluster.advertise-address=127.0.0.1:0',
      ],
      dir,
    );
    cleanups.push(() => stop(am));
    const prom = run(
      PROMETHEUS,
      [
        `--config.file=${path.join(dir, 'prometheus.yml')}`,
        `--storage.tsdb.path=${path.join(dir, 'prom')}`,
        `--web.listen-address=127.0.0.1:${promPort}`,
        '--rules.alert.resend-delay=1s',
      ],
      dir,
    );
    cleanups.push(() => stop(prom));

    const incident = await waitFor(
      'an incident opened from the alert',
      async () => (await m.store.listIncidents({})).items[0],
      45_000,
    ).catch((err) => {
      console.log(am.output().slice(-3000), prom.output().slice(-3000));
      throw err;
    });
    expect(incident).toMatchObject({ service: 'shop', title: 'the shop says it is broken' });
    const [finding] = await m.store.listFindings({ incidentId: incident.id });
    expect(finding).toMatchObject({ kind: 'alert', check: 'alert:ShopBroken', severity: 'critical' });
    expect(finding?.evidence).toMatchObject({ source: 'alertmanager', alertname: 'ShopBroken' });

    const resolved = await waitFor(
      'the alert resolved and the incident with it',
      async () => {
        const i = await m.store.getIncident(incident.id);
        return i?.state === 'resolved' ? i : null;
      },
      45_000,
    );
    expect(target.fixes()).toBe(1);
    const { items: actions } = await m.store.listActions({ incidentId: resolved.id });
    expect(actions.map((a) => [a.playbook, a.kind, a.state])).toEqual([['fix-shop', 'http', 'verified']]);
    expect(m.health.get('shop')).toBe('healthy');
  }, 120_000);
});

describe('Alertmanager receiver', () => {
  it('refuses a malformed payload with 4xx and the reason', async () => {
    const dir = await tempDir();
    medic = await startMedic(dir, 'services: { shop: {} }\nnotifiers: []\nstore: { dir: ./data }\n');
    api = await startApi(medic, '127.0.0.1', 0, { webRoot: null });
    const post = (body: unknown) =>
      fetch(`${api!.url}/api/ingest/alertmanager`, {
        method: 'POST',
        headers: { 'content-type': 'application/json' },
        body: JSON.stringify(body),
      });
    const bad = await post({ version: '4', status: 'firing', alerts: 'nope' });
    expect(bad.status).toBe(400);
    expect(((await bad.json()) as { error: { message: string } }).error.message).toMatch(/alerts: /);
    const v3 = await post({
      version: '3',
      groupKey: 'k',
      status: 'firing',
      receiver: 'medic',
      alerts: [],
    });
    expect(v3.status).toBe(422);
    expect(((await v3.json()) as { error: { message: string } }).error.message).toMatch(/version/);
  });
});

describe('LLM diagnosis through an OpenAI-compatible server', () => {
  let model: FakeModel | null = null;
  afterEach(async () => {
    await model?.close();
    model = null;
  });

  it('asks the model when the rules are unsure, with secrets redacted from the prompt', async () => {
    model = await startModel(() =>
      JSON.stringify({
        cause: 'error_burst',
        confidence: 0.8,
        summary: 'The worker fails on every job since the deploy.',
        playbook: 'restart-worker',
      }),
    );
    const dir = await tempDir();
    medic = await startMedic(
      dir,
      `services: { worker: {} }
playbooks:
  restart-worker:
    when: { service: worker, kind: anomaly }
    steps: [{ exec: { command: ["true"] } }]
llm: { base_url: "${model.baseURL}", model: "local-test", timeout: 5s }
notifiers: []
store: { dir: ./data }
`,
    );
    const m = medic;
    await m.submitFinding({
      id: 'fnd_llm',
      service: 'worker',
      check: 'jobs',
      kind: 'anomaly',
      severity: 'warning',
      score: 0.9,
      summary: 'worker job failures far above normal',
      evidence: {
        lastLogs: [
          'job 17 failed: could not log in to postgres://app:hunter2pass@db:5432/app',
          'notified alice@example.com with token=ghp_abcdefghijklmnopqrstuvwxyz0123456789',
        ],
      },
      at: m.clock.now(),
    });
    const incident = await waitFor('incident', () => m.store.activeIncident('worker'));
    const diagnosis = await waitFor('diagnosis', async () =>
      (await m.store.timeline(incident.id)).find((e) => e.kind === 'diagnosis'),
    );
    expect(diagnosis.data).toMatchObject({
      cause: 'error_burst',
      llm: { ok: true, model: 'local-test', cause: 'error_burst' },
    });
    expect(diagnosis.data['confidence']).toBeLessThanOrEqual(0.7);
    expect(model.requests).toHaveLength(1);
    const wire = JSON.stringify(model.requests[0]?.body);
    expect(wire).toContain('could not log in to postgres');
    for (const secret of ['hunter2pass', 'alice@example.com', 'ghp_abcdefghijklmnopqrstuvwxyz0123456789']) {
      expect(wire).not.toContain(secret);
    }
    expect(wire).toContain('restart-worker');
  });
});
