import { execFileSync } from 'node:child_process';
import { readFile, writeFile } from 'node:fs/promises';
import net from 'node:net';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import type { Medic } from '../src/daemon/index.js';
import { freePort, ROOT, tempDir, waitFor } from './helpers.js';
import { run, startMedic, stop } from './incidents-helpers.js';

/**
 * Each cause the rules can name, reached through a running Medic: real processes misbehave (crash, leak,
 * fill a directory, stop, log errors, lose their database, serve a short-lived certificate) and the
 * incident's timeline must name the cause in its `diagnosis` entry.
 */
const SERVICE = path.join(import.meta.dirname, 'diagnose-service.fixture.mjs');
const DIR_LIMIT = path.join(ROOT, 'examples/stack/bin/dir-limit.sh');

interface DiagnosisData {
  service: string;
  cause: string;
  confidence: number;
  evidence: string[];
  target: string | null;
  candidates: { cause: string; confidence: number }[];
}

/**
 * The first diagnosis of `service` recorded in any incident's timeline that names `cause` (an earlier one may
 * name none: a check that timed out on a loaded machine before the fault showed). On a timeout, the error
 * lists what was diagnosed instead.
 */
async function diagnosisOf(m: Medic, service: string, cause: string, ms = 20_000): Promise<DiagnosisData> {
  const seen: DiagnosisData[] = [];
  try {
    return await waitFor(
      `a diagnosis of ${service} as ${cause}`,
      async () => {
        seen.length = 0;
        const { items } = await m.store.listIncidents({});
        for (const i of items) {
          for (const e of await m.store.timeline(i.id)) {
            const d = e.data as unknown as DiagnosisData | undefined;
            if (e.kind === 'diagnosis' && d?.service === service) seen.push(d);
          }
        }
        return seen.find((d) => d.cause === cause) ?? null;
      },
      ms,
      100,
    );
  } catch (err) {
    throw new Error(`${(err as Error).message}; diagnosed: ${JSON.stringify(seen)}`);
  }
}

function service(name: string, env: Record<string, string | number>, rest = ''): string {
  const vars = Object.entries(env)
    .map(([k, v]) => `${k}: ${JSON.stringify(String(v))}`)
    .join(', ');
  return `  ${name}:
    run:
      command: [${JSON.stringify(process.execPath)}, ${JSON.stringify(SERVICE)}]
      env: { ${vars} }
      stop_timeout: 2s
${rest}`;
}

const httpCheck = (port: number, scheme = 'http') => `    checks:
      - name: health
        http: { url: "${scheme}://127.0.0.1:${port}/health" }
        interval: 300ms
        timeout: 250ms
        down_after: 2
`;

const config = (services: string) => `services:
${services}
playbooks: {}
notifiers: []
server: { host: 127.0.0.1, port: 0 }
store: { dir: ./data }
`;

/** Runs `fn` against a Medic over `yaml`, always stopping it. */
async function withMedic<T>(dir: string, yaml: string, fn: (m: Medic) => Promise<T>): Promise<T> {
  const m = await startMedic(dir, yaml);
  try {
    return await fn(m);
  } finally {
    await m.stop();
  }
}

const pidOf = (m: Medic, s: string) => waitFor(`${s} running`, () => m.supervisor.pid(s));

async function rssMb(pid: number): Promise<number> {
  const text = await readFile(`/proc/${pid}/status`, 'utf8').catch(() => '');
  return Number(/^VmRSS:\s+(\d+)/m.exec(text)?.[1] ?? 0) / 1024;
}

describe.concurrent('every cause, diagnosed through the running daemon', () => {
  it('process_crashed: the exit, with the last words it wrote to stderr', async () => {
    const dir = await tempDir('medic-diag-crash-');
    await withMedic(dir, config(service('app', { MODE: 'crash', AFTER_MS: 700 })), async (m) => {
      const d = await diagnosisOf(m, 'app', 'process_crashed');
      expect(d.evidence).toContain('app exited with code 3');
      expect(d.evidence.join('\n')).toMatch(/last words: "Error: settings key 'listen' is missing"/);
      // The exit finding itself carries them, as `systemctl status` shows them.
      const [exit] = await m.store.listFindings({ service: 'app' });
      expect(JSON.stringify(exit?.evidence)).toContain("settings key 'listen' is missing");
    });
  });

  it('hung: a stopped process (SIGSTOP) whose probes time out', async () => {
    const dir = await tempDir('medic-diag-hang-');
    const port = await freePort();
    await withMedic(dir, config(service('app', { PORT: port }, httpCheck(port))), async (m) => {
      await waitFor('app healthy', () => m.health.get('app') === 'healthy');
      const pid = await pidOf(m, 'app');
      process.kill(pid, 'SIGSTOP');
      try {
        const d = await diagnosisOf(m, 'app', 'hung');
        expect(d.evidence[0]).toBe(`the process (pid ${pid}) is stopped (state T): alive, running nothing`);
      } finally {
        process.kill(pid, 'SIGCONT');
      }
    });
  });

  it('hung: a dependent names its stopped upstream, which has no check of its own', async () => {
    const dir = await tempDir('medic-diag-upstream-');
    const [appPort, proxyPort] = [await freePort(), await freePort()];
    const yaml = config(
      service('app', { PORT: appPort }) +
        service('proxy', { MODE: 'proxy', PORT: proxyPort, UPSTREAM: appPort }, httpCheck(proxyPort)) +
        '    depends_on: [app]\n',
    );
    await withMedic(dir, yaml, async (m) => {
      await waitFor('proxy healthy', () => m.health.get('proxy') === 'healthy');
      const pid = await pidOf(m, 'app');
      process.kill(pid, 'SIGSTOP');
      try {
        const d = await Promise.any([diagnosisOf(m, 'proxy', 'hung'), diagnosisOf(m, 'app', 'hung')]);
        // Either the upstream is diagnosed itself, or the proxy's diagnosis points at it.
        expect(d.service === 'app' || d.target === 'app').toBe(true);
      } finally {
        process.kill(pid, 'SIGCONT');
      }
    });
  });

  it('memory_leak: resident memory climbs, then the OOM killer (here, the test) SIGKILLs it', async () => {
    const dir = await tempDir('medic-diag-leak-');
    const port = await freePort();
    const metrics = `    metrics:
      series:
        - { name: rss, rss: true, interval: 200ms }
`;
    await withMedic(dir, config(service('app', { MODE: 'leak', PORT: port }, metrics)), async (m) => {
      const pid = await pidOf(m, 'app');
      await waitFor('app past 170 MB', async () => (await rssMb(pid)) > 170, 20_000, 50);
      // A leak is a climb sustained past the process's start-up, over several samples: on a loaded machine
      // the sampler may have taken fewer than the leak's pace would give, so wait for enough of them.
      await waitFor(
        'eight samples past start-up',
        async () => {
          const s = await m.store.metricSamples('app', 'rss', 0);
          return s.filter((x) => x.at >= (s[0]?.at ?? 0) + 2_500).length >= 8;
        },
        20_000,
        50,
      );
      process.kill(pid, 'SIGKILL');
      const d = await diagnosisOf(m, 'app', 'memory_leak');
      expect(d.evidence[0]).toMatch(/^resident memory rose from \d/);
    });
  });

  it('disk_filling: the data directory passes the limit its disk check watches', async () => {
    const dir = await tempDir('medic-diag-disk-');
    const data = path.join(dir, 'app-data');
    const check = `    checks:
      - name: disk
        command: { command: [sh, ${JSON.stringify(DIR_LIMIT)}, ${JSON.stringify(data)}, "6"] }
        interval: 1s
        timeout: 1s # sh, du and cut: on a loaded machine 500 ms is a timeout before the directory is full
        down_after: 1
`;
    await withMedic(dir, config(service('app', { MODE: 'fill', DATA_DIR: data }, check)), async (m) => {
      const d = await diagnosisOf(m, 'app', 'disk_filling');
      expect(d.evidence[0]).toMatch(/app-data \(limit 6 MB\) is \d+% full/);
    });
  });

  it('config_changed: its settings file was changed from its known good version just before it failed', async () => {
    const dir = await tempDir('medic-diag-config-');
    const [port, settings] = [await freePort(), path.join(dir, 'settings.json')];
    await writeFile(settings, '{ "workers": 4 }\n');
    const files = `    config_files: [${JSON.stringify(settings)}]\n`;
    const yaml = `${config(service('app', { MODE: 'settings', PORT: port, SETTINGS: settings }, httpCheck(port) + files))}policy: { known_good_after: 1s }\n`;
    await withMedic(dir, yaml, async (m) => {
      await waitFor('app healthy', () => m.health.get('app') === 'healthy');
      await waitFor(
        'its settings recorded known good',
        () => m.engine.backups.lastKnownGood(settings),
        20_000,
      );
      await writeFile(settings, '{ "workers": 0 }\n');
      const d = await diagnosisOf(m, 'app', 'config_changed');
      expect(d.evidence[0]).toContain(`${settings} changed`);
      expect(d.evidence[0]).toContain('differs from its known good version');
    });
  });

  it('cert_expiring: an https check whose server presents a certificate that ends tomorrow', async () => {
    const dir = await tempDir('medic-diag-cert-');
    const [key, cert] = [path.join(dir, 'key.pem'), path.join(dir, 'cert.pem')];
    execFileSync(
      'openssl',
      [
        'req',
        '-x509',
        '-newkey',
        'rsa:2048',
        '-nodes',
        '-days',
        '1',
        '-subj',
        '/CN=app.test',
        '-keyout',
        key,
        '-out',
        cert,
      ],
      { stdio: 'ignore' },
    );
    const port = await freePort();
    const yaml = config(
      service('app', { MODE: 'https', PORT: port, CERT: cert, KEY: key }, httpCheck(port, 'https')),
    );
    await withMedic(dir, yaml, async (m) => {
      const d = await diagnosisOf(m, 'app', 'cert_expiring');
      expect(d.evidence[0]).toBe('certificate app.test expires in 1 days');
    });
  });

  it('error_burst: errors in the incident window, far above what the service usually logs', async () => {
    const dir = await tempDir('medic-diag-errors-');
    const port = await freePort();
    const rest = `${httpCheck(port)}    logs: { stdout: true, format: text }\n`;
    // The errors are logged a while before the health check fails: the evidence is in before the diagnosis,
    // however late a loaded machine reads the lines (a CI run once diagnosed on the 500s alone).
    const env = { MODE: 'errors', PORT: port, AFTER_MS: 2500, LINES_AFTER_MS: 1500 };
    await withMedic(dir, config(service('app', env, rest)), async (m) => {
      const d = await diagnosisOf(m, 'app', 'error_burst');
      expect(d.evidence[0]).toMatch(/^\d+ error lines from stderr in the incident's \d+ min \(/);
    });
  });

  it('rate_limited: the service reports 429s from what it calls', async () => {
    const dir = await tempDir('medic-diag-429-');
    const port = await freePort();
    // The partner refuses us (429s logged) a while before the health check fails: the evidence is in before
    // the diagnosis, however late a loaded machine reads the lines.
    const env = { MODE: 'ratelimit', PORT: port, AFTER_MS: 2500, LINES_AFTER_MS: 300 };
    const yaml = config(service('app', env, httpCheck(port)));
    await withMedic(dir, yaml, async (m) => {
      const d = await diagnosisOf(m, 'app', 'rate_limited');
      expect(d.evidence[0]).toMatch(/^\d+ rate-limit answers \(429\), e\.g\. "partner API answered 429/);
    });
  });

  it('db_unreachable: the API names the database its connections are refused by', async () => {
    const dir = await tempDir('medic-diag-db-');
    const [dbPort, apiPort] = [await freePort(), await freePort()];
    // The database is not Medic's to run: a server the test starts and kills. Its check fails at once but is
    // judged down only after 3 s; the API's, after 4 failures: the API is diagnosed while its database's
    // last probes fail, before the database is down (then the database would be the one diagnosed).
    const db = run(
      process.execPath,
      ['-e', `require('net').createServer(s => s.end()).listen(${dbPort}, '127.0.0.1')`],
      dir,
    );
    const yaml = config(`  db:
    role: database
    checks:
      - tcp: { port: ${dbPort} }
        interval: 100ms
        timeout: 90ms
        down_after: 30
${service('api', { MODE: 'dbclient', PORT: apiPort, UPSTREAM: dbPort }, httpCheck(apiPort).replace('down_after: 2', 'down_after: 4'))}    depends_on: [db]
`);
    try {
      await withMedic(dir, yaml, async (m) => {
        await waitFor('api healthy', () => m.health.get('api') === 'healthy');
        await stop(db);
        await waitFor(
          'db port closed',
          () =>
            new Promise((ok) => {
              const s = net.connect(dbPort, '127.0.0.1');
              s.once('connect', () => {
                s.destroy();
                ok(false);
              });
              s.once('error', () => ok(true));
            }),
        );
        const d = await diagnosisOf(m, 'api', 'db_unreachable');
        expect(d.target).toBe('db');
      });
    } finally {
      await stop(db);
    }
  });
});
