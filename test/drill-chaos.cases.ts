import { mkdir, rm, writeFile } from 'node:fs/promises';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { ChaosReport } from '../src/drill/index.js';
import { CLI, DEMO, freePort, tempDir } from './helpers.js';
import { runNode, STACK } from './stack-helpers.js';

/**
 * `medic drill chaos`, CI size: 150 s of seed 1 (its plan is pinned in src/drill/chaos-plan.test.ts: a cache
 * killed while a stray copy of the API takes its port, repeats within a minute, pairs of the API and the cache
 * it depends on) on a small stack nobody tuned for it: the demo API and the Redis it depends on.
 */
function config(dir: string, ports: { api: number; cache: number; medic: number }): string {
  const bin = path.join(STACK, 'bin');
  const data = (s: string) => path.join(dir, 'services', s);
  return `services:
  cache:
    role: cache
    run:
      command: [sh, ${bin}/redis.sh]
      env: { DATA_DIR: ${data('cache')}, REDIS_PORT: "${ports.cache}" }
      stop_timeout: 5s
    checks:
      - name: port
        tcp: { host: 127.0.0.1, port: ${ports.cache} }
        interval: 1s
        timeout: 500ms
        down_after: 2
  api:
    role: api
    depends_on: [cache]
    run:
      command: [${JSON.stringify(process.execPath)}, ${JSON.stringify(DEMO)}]
      env:
        PORT: "${ports.api}"
        DATA_DIR: ${data('api')}
        REDIS_URL: redis://127.0.0.1:${ports.cache}
        QUIET_PATHS: /health,/metrics
      stop_timeout: 5s
      ports: [${ports.api}]
    checks:
      - name: health
        http: { url: "http://127.0.0.1:${ports.api}/health", status: 200, max_latency: 500ms }
        interval: 1s
        timeout: 900ms
        down_after: 2
      - name: disk
        command: { command: [sh, ${bin}/dir-limit.sh, ${data('api')}, "48"] }
        interval: 2s
        timeout: 1500ms
        down_after: 1
      - name: rss
        process: { max_rss_mb: 300 }
        interval: 500ms
        timeout: 400ms
        down_after: 2
    logs: { stdout: true, format: text }
    metrics:
      series:
        - { name: rss, rss: true, interval: 1s }
        - name: data_dir
          scrape: { url: "http://127.0.0.1:${ports.api}/metrics", metric: demo_data_dir_bytes }
          interval: 1s
      forecast:
        - { metric: rss, limit: 300MiB, within: 15s, horizon: 30s, every: 1s, min_samples: 8 }
        - { metric: data_dir, limit: 48MB, within: 30s, horizon: 5s, every: 1s, min_samples: 5 }
playbooks:
  restart-cache:
    when: { service: cache, kind: down }
    steps: [{ restart: {}, timeout: 10s }]
    verify: { within: 15s, stable_for: 1s }
  restart-api:
    when: { service: api, kind: [down, degraded], labels: { check: "~health|rss|running" } }
    steps: [{ restart: {}, timeout: 15s }]
    verify: { within: 20s, stable_for: 1s }
  clear-api-cache:
    when: { service: api, kind: down, labels: { check: running }, after: restart-api }
    steps:
      - exec: { command: [sh, ${bin}/clear-cache.sh, ${data('api')}/cache.json] }
      - restart: {}
        timeout: 15s
    verify: { within: 20s, stable_for: 1s }
  restart-api-leak:
    when: { service: api, kind: forecast, labels: { check: "forecast:rss" } }
    steps: [{ restart: {}, timeout: 15s }]
    verify: { within: 20s, stable_for: 1s }
  clean-api-spool:
    when: { service: api, kind: [down, forecast], labels: { check: "~disk|forecast:data_dir" } }
    steps:
      - restart: {}
        timeout: 15s
      - exec: { command: [sh, ${bin}/clean-spool.sh, ${data('api')}/spool] }
    verify: { within: 20s, stable_for: 1s }
policy:
  backoff: { initial: 1s, factor: 2, max: 30s }
  rate_limit: { max_actions: 200, window: 1h }
  healthy_reset: 2m
notifiers:
  - log: {}
server: { host: 127.0.0.1, port: ${ports.medic} }
store: { dir: ${path.join(dir, 'store')} }
`;
}

/**
 * Registered by stack-game-day.test.ts, after its drill and soak: one file runs its tests in turn, and a drill
 * must not share the two cores with the soak's CPU measurement.
 */
export function registerChaosCase(): void {
  describe('medic drill chaos', () => {
    let dir: string;
    let file: string;

    beforeAll(async () => {
      dir = await tempDir('medic-chaos-');
      await mkdir(path.join(dir, 'services'), { recursive: true });
      file = path.join(dir, 'medic.yaml');
      await writeFile(
        file,
        config(dir, { api: await freePort(), cache: await freePort(), medic: await freePort() }),
      );
    });

    afterAll(async () => {
      await rm(dir, { recursive: true, force: true });
    });

    it('seed 1 for 150 s: every fault healed or escalated with a notice, root cause right, no collateral, never down silently', async () => {
      const r = await runNode(
        [
          '--import',
          'tsx',
          CLI,
          'drill',
          'chaos',
          '--config',
          file,
          '--duration',
          '150s',
          '--seed',
          '1',
          '--json',
        ],
        480_000,
      );
      const report = JSON.parse(r.stdout) as ChaosReport;
      const s = report.summary;
      expect(s).toMatchObject({ seed: 1, duration_ms: 150_000, planned: 12 });
      // The plan of seed 1, as chaos-plan.test.ts pins it: the same faults on the same services.
      expect(report.faults.map((f) => `${f.fault}@${f.service}:${f.kind}`)).toEqual([
        'cache-down@cache:pair',
        'crashloop-transient@api:pair',
        'cache-down@cache:single',
        'slow@api:pair',
        'cache-down@cache:pair',
        'slow@api:again',
        'disk-fill@api:pair',
        'hang@cache:pair',
        'disk-fill@api:again',
        'crashloop-transient@api:pair',
        'crash@cache:pair',
        'crashloop-transient@api:again',
      ]);
      for (const f of report.faults) {
        for (const k of ['detected', 'healed', 'escalated', 'notified', 'root_cause_ok', 'injected'] as const)
          expect(typeof f[k], `${f.n} ${k}`).toBe('boolean');
        for (const k of ['mttd_ms', 'mttr_ms'] as const)
          expect(f[k] === null || typeof f[k] === 'number', `${f.n} ${k}`).toBe(true);
        expect(f.cause_expected.length).toBeGreaterThan(0);
        expect(typeof f.silent_down_s).toBe('number');
        expect(typeof f.collateral_actions).toBe('number');
      }
      expect(r.stderr).toContain(`chaos seed 1, 150 s:`);
      // What issue 12 asks of Medic; a failure here is Medic's, and the report says which fault and why.
      const why = JSON.stringify(
        { summary: s, faults: report.faults, silent: report.silent, collateral: report.collateral },
        null,
        1,
      );
      const injected = report.faults.filter((f) => f.injected);
      expect(injected.length, why).toBeGreaterThanOrEqual(10);
      expect(
        injected.filter((f) => !f.ok).map((f) => f.n),
        why,
      ).toEqual([]);
      expect(s.silent_down_s, why).toBe(0);
      // The root service is right on every fault (a faulted upstream named for a dependent counts, as the judge
      // counts it). The cause as well on nearly all: a fault paired with a failing dependency may rightly be
      // diagnosed `unknown` (5xx answers while the cache is down are not the service's own burst), so at most
      // one miss out of the plan, named in the message.
      const rootOk = (f: (typeof injected)[number]) =>
        f.root_cause?.split(',').every((r) => r === f.service || injected.some((o) => o.service === r));
      expect(
        injected.filter((f) => !rootOk(f)).map((f) => `${f.n} ${f.fault}: ${f.root_cause}`),
        why,
      ).toEqual([]);
      const wrongCause = injected.filter((f) => !f.root_cause_ok);
      expect(
        wrongCause.length,
        `${wrongCause.map((f) => `${f.n} ${f.fault}: ${f.root_cause} ${f.cause}`).join('; ')}\n${why}`,
      ).toBeLessThanOrEqual(1);
      expect(s.collateral_actions, why).toBe(0);
      expect(s.passed).toBe(true);
      expect(r.status, r.stderr.slice(-3000)).toBe(0);
    }, 500_000);
  });
}
