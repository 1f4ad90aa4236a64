import { describe, expect, it } from 'vitest';
import type { Finding } from '../core/index.js';
import type { EvidenceBundle } from './evidence.js';
import { diagnoseByRules } from './rules.js';

const T = Date.UTC(2026, 0, 1, 12);
const MIN = 60_000;

function bundle(over: Partial<EvidenceBundle> = {}): EvidenceBundle {
  return { service: 'api', at: T, findings: [], ...over };
}

function finding(over: Partial<Finding>): Finding {
  return {
    id: 'fnd_1',
    service: 'api',
    check: 'http',
    kind: 'down',
    severity: 'critical',
    score: 1,
    summary: 'api is down',
    evidence: {},
    at: T,
    ...over,
  };
}

const playbooks = {
  memory_leak: ['restart-service', 'raise-memory-limit'],
  db_unreachable: ['restart-db'],
  process_crashed: ['restart-service'],
};

const top = (b: EvidenceBundle) => diagnoseByRules(b, playbooks)[0];

describe('diagnoseByRules', () => {
  it('memory_leak: exit 137 after rising RSS', () => {
    const d = top(
      bundle({
        rss: [200, 260, 330, 390, 470].map((mb, i) => ({ at: T - (5 - i) * MIN, mb })),
        exits: [{ at: T - 10_000, code: 137, signal: null }],
        processAlive: false,
      }),
    );
    expect(d).toMatchObject({
      cause: 'memory_leak',
      confidence: 0.9,
      playbooks: ['restart-service', 'raise-memory-limit'],
    });
    expect(d?.evidence).toEqual([
      'resident memory rose from 200 MB to 470 MB over 5 samples (240 s)',
      'the process exited with code 137, as the OOM killer leaves it',
    ]);
  });

  it('a SIGKILL with flat memory is a crash, not a leak', () => {
    const all = diagnoseByRules(
      bundle({
        rss: [300, 290, 305, 298].map((mb, i) => ({ at: T - (4 - i) * MIN, mb })),
        exits: [{ at: T, code: null, signal: 'SIGKILL' }],
      }),
    );
    expect(all.map((d) => d.cause)).toEqual(['process_crashed']);
    expect(all[0]).toMatchObject({ confidence: 0.6, evidence: ['api killed by SIGKILL'], playbooks: [] });
  });

  it('db_unreachable: connection refused to the database while its probe fails', () => {
    const d = top(
      bundle({
        logs: [
          {
            at: T - 1000,
            line: 'Error: connect ECONNREFUSED 127.0.0.1:5432',
            category: 'connection_refused',
          },
        ],
        dependencies: [
          { service: 'cache', healthy: true },
          {
            service: 'db',
            healthy: false,
            role: 'database',
            addresses: ['127.0.0.1:5432'],
            message: 'tcp: refused',
          },
        ],
      }),
    );
    expect(d).toMatchObject({
      cause: 'db_unreachable',
      confidence: 0.92,
      target: 'db',
      playbooks: ['restart-db'],
    });
    expect(d?.evidence[0]).toBe('database db, a dependency of api, fails its own checks: tcp: refused');
  });

  it('db_unreachable names a dependency whose role is its own name once', () => {
    const d = top(
      bundle({
        service: 'nginx',
        logs: [
          {
            at: T - 1000,
            line: 'connect() failed (111: Connection refused) to api',
            category: 'connection_refused',
          },
        ],
        dependencies: [{ service: 'api', healthy: false, role: 'api', message: 'http: refused' }],
      }),
    );
    expect(d?.evidence[0]).toBe('api, a dependency of nginx, fails its own checks: http: refused');
  });

  it('a clean exit (code 0) while a dependency fails is not db_unreachable: someone stopped it', () => {
    const deps = [{ service: 'cache', healthy: false, message: 'tcp: refused' }];
    const clean = bundle({
      trigger: { kind: 'down', check: 'running', exit: true },
      exits: [{ at: T, code: 0, signal: null }],
      processAlive: false,
      dependencies: deps,
    });
    expect(diagnoseByRules(clean).find((d) => d.cause === 'db_unreachable')).toBeUndefined();
    // Nor is a check failing after it while nothing runs; once a new run is up and fails, it is.
    const check = { ...clean, trigger: { kind: 'down' as const, check: 'health' } };
    expect(diagnoseByRules(check).find((d) => d.cause === 'db_unreachable')).toBeUndefined();
    const rerun = { ...check, processAlive: true, processState: { pid: 43, state: 'S' } };
    expect(diagnoseByRules(rerun).find((d) => d.cause === 'db_unreachable')).toBeDefined();
    // An error exit while it does is the dependency's doing.
    const failed = { ...clean, exits: [{ at: T, code: 1, signal: null }] };
    expect(diagnoseByRules(failed).find((d) => d.cause === 'db_unreachable')).toBeDefined();
  });

  it('connection refused while every dependency is healthy is not db_unreachable', () => {
    const all = diagnoseByRules(
      bundle({
        logs: [{ at: T, line: 'connect ECONNREFUSED 10.0.0.9:6379' }],
        dependencies: [{ service: 'db', healthy: true }],
      }),
    );
    expect(all.find((d) => d.cause === 'db_unreachable')).toBeUndefined();
  });

  it('hung: timeouts while the process lives and burns CPU', () => {
    const probes = [1, 2, 3].map((i) => ({
      check: 'http',
      at: T - i * 10_000,
      ok: false,
      latencyMs: 5000,
      message: 'GET /health: timed out after 5000ms',
    }));
    const hot = top(
      bundle({
        probes,
        processAlive: true,
        cpu: [97, 99, 100].map((percent, i) => ({ at: T - i, percent })),
      }),
    );
    expect(hot).toMatchObject({ cause: 'hung', confidence: 0.88 });
    expect(hot?.evidence).toContain('CPU averaged 99% over the last 3 samples');
    expect(top(bundle({ probes, processAlive: true }))).toMatchObject({ cause: 'hung', confidence: 0.65 });
    expect(diagnoseByRules(bundle({ probes, processAlive: false }))).toEqual([]);
  });

  it('hung: a stopped process (SIGSTOP) is hung, with or without probes of its own', () => {
    const stopped = { pid: 42, state: 'T', group: [{ pid: 42, state: 'T', comm: 'node' }] };
    const alone = top(bundle({ processAlive: true, processState: stopped }));
    expect(alone).toMatchObject({ cause: 'hung', confidence: 0.9 });
    expect(alone?.evidence[0]).toBe('the process (pid 42) is stopped (state T): alive, running nothing');
    const probe = {
      check: 'http',
      at: T,
      ok: false,
      latencyMs: 400,
      message: 'GET /health: timed out after 400ms',
    };
    expect(top(bundle({ processAlive: true, processState: stopped, probes: [probe] }))).toMatchObject({
      cause: 'hung',
      confidence: 0.93,
    });
    // Sleeping is no evidence of a hang.
    const sleeping = { pid: 42, state: 'S' };
    expect(diagnoseByRules(bundle({ processAlive: true, processState: sleeping }))).toEqual([]);
  });

  it("hung: probes that timed out before the incident's window (an earlier trouble, healed) are no evidence", () => {
    const timedOut = (at: number) => ({
      check: 'http',
      at,
      ok: false,
      latencyMs: 900,
      message: 'timed out after 900ms',
    });
    const stale = [1, 2, 3].map((i) => timedOut(T - 60_000 - i * 1000));
    const slow = {
      check: 'http',
      at: T - 1000,
      ok: false,
      latencyMs: 704,
      message: '200 OK in 704ms, slower than 500ms',
    };
    const b = { processAlive: true, probes: [...stale, slow], logsSince: T - 20_000 };
    expect(diagnoseByRules(bundle(b))).toEqual([]);
    // The same timeouts inside the window are, when nothing answered since.
    expect(top(bundle({ ...b, probes: stale, logsSince: T - 120_000 }))).toMatchObject({
      cause: 'hung',
      confidence: 0.65,
    });
  });

  it('hung: a stopped proxy is hung even while the app behind it is down and named in its logs', () => {
    const d = diagnoseByRules(
      bundle({
        processAlive: true,
        processState: { pid: 42, state: 'T' },
        logs: [
          {
            at: T - 500,
            line: 'connect() failed (111: Connection refused) while connecting to upstream api',
          },
        ],
        dependencies: [{ service: 'api', healthy: false, message: 'service is not running' }],
      }),
    );
    expect(d[0]).toMatchObject({ cause: 'hung', confidence: 0.9 });
    expect(d.map((x) => x.cause)).not.toContain('db_unreachable');
  });

  it('hung: a dependent names the stopped upstream it waits on', () => {
    const d = top(
      bundle({
        processAlive: true,
        processState: { pid: 7, state: 'S' },
        // Its own probes time out waiting for the upstream: the upstream is still the one named.
        probes: [1, 2].map((i) => ({
          check: 'http',
          at: T - i * 1000,
          ok: false,
          latencyMs: 250,
          message: 'timed out after 250ms',
        })),
        dependencies: [
          { service: 'cache', healthy: true, processState: { pid: 8, state: 'S' } },
          { service: 'app', healthy: true, processState: { pid: 9, state: 'T' } },
        ],
      }),
    );
    expect(d).toMatchObject({ cause: 'hung', confidence: 0.9, target: 'app' });
    expect(d?.evidence).toEqual(['app, which api depends on, is stopped (state T) (pid 9)']);
  });

  it('rate_limited: 429s in the logs', () => {
    const logs = Array.from({ length: 5 }, (_, i) => ({
      at: T - i * 1000,
      line: `upstream answered 429 Too Many Requests (attempt ${i})`,
    }));
    expect(top(bundle({ logs }))).toMatchObject({ cause: 'rate_limited', confidence: 0.75 });
    expect(diagnoseByRules(bundle({ logs: logs.slice(0, 2) })).map((d) => d.cause)).not.toContain(
      'rate_limited',
    );
  });

  it('process_crashed: non-zero exit with its last words', () => {
    const d = top(
      bundle({
        exits: [
          { at: T - 60_000, code: 0, signal: 'SIGTERM', expected: true },
          { at: T, code: 1, signal: null },
        ],
        logs: [
          {
            at: T - 5,
            line: 'Uncaught TypeError: cannot read properties of undefined',
            category: 'exception',
          },
        ],
        processAlive: false,
      }),
    );
    expect(d).toMatchObject({ cause: 'process_crashed', confidence: 0.88, playbooks: ['restart-service'] });
    expect(d?.evidence[1]).toMatch(/^last words: "Uncaught TypeError/);
    expect(diagnoseByRules(bundle({ exits: [{ at: T, code: 1, signal: null, expected: true }] }))).toEqual(
      [],
    );
  });

  it('disk_filling: ENOSPC, a nearly full disk, or a forecast', () => {
    expect(
      top(bundle({ logs: [{ at: T, line: 'write failed: ENOSPC: no space left on device' }] })),
    ).toMatchObject({
      cause: 'disk_filling',
      confidence: 0.95,
    });
    const disk = [82, 85, 88, 91].map((usedPercent, i) => ({
      at: T - (4 - i) * MIN,
      path: '/var',
      usedPercent,
    }));
    expect(top(bundle({ disk }))).toMatchObject({ cause: 'disk_filling', confidence: 0.8 });
    const forecast = finding({
      kind: 'forecast',
      summary: 'disk /var full in 3h',
      evidence: { resource: 'disk' },
    });
    expect(top(bundle({ findings: [forecast] }))?.evidence).toEqual(['forecast: disk /var full in 3h']);
    // A data directory's size forecast names no disk, but is one filling.
    const dataDir = finding({
      kind: 'forecast',
      check: 'forecast:data_dir',
      summary: 'api data_dir reaches 48 MB in 25s',
      evidence: { limit: 48_000_000 },
    });
    expect(top(bundle({ findings: [dataDir] }))).toMatchObject({ cause: 'disk_filling', confidence: 0.8 });
    const rss = finding({
      kind: 'forecast',
      check: 'forecast:rss',
      summary: 'api rss reaches 300 MiB in 20s',
    });
    expect(top(bundle({ findings: [rss] }))?.cause).not.toBe('disk_filling');
  });

  it('error_burst: errors at several times their usual rate', () => {
    const logs = [
      ...Array.from({ length: 3 }, (_, i) => ({ at: T - 12 * MIN + i, line: 'ERROR slow query' })),
      ...Array.from({ length: 12 }, (_, i) => ({ at: T - i * 1000, line: 'ERROR payment failed' })),
    ];
    expect(top(bundle({ logs }))).toMatchObject({ cause: 'error_burst', confidence: 0.75 });
    const pattern = finding({ kind: 'pattern', summary: 'new template "payment <*> declined" x40' });
    expect(top(bundle({ findings: [pattern] }))).toMatchObject({ cause: 'error_burst', confidence: 0.65 });
  });

  it("error_burst: only the incident's window counts, against its source's usual rate", () => {
    const opened = T - MIN;
    const stale = Array.from({ length: 30 }, (_, i) => ({
      at: T - 20 * MIN + i * 1000,
      line: 'ERROR cache unreachable',
      source: 'stderr',
    }));
    // An earlier fault's lines, outside the window: no burst now.
    expect(diagnoseByRules(bundle({ logs: stale, logsSince: opened }))).toEqual([]);
    const fresh = Array.from({ length: 12 }, (_, i) => ({
      at: T - i * 1000,
      line: 'ERROR payment failed',
      source: 'stderr',
    }));
    const quiet = [{ source: 'stderr', from: opened - 30 * MIN, to: opened, errors: 3 }];
    expect(top(bundle({ logs: fresh, logsSince: opened, logBaseline: quiet }))).toMatchObject({
      cause: 'error_burst',
      confidence: 0.75,
    });
    // 12 errors a minute is what this source always writes: errors, but no burst.
    const noisy = [{ source: 'stderr', from: opened - 30 * MIN, to: opened, errors: 360 }];
    expect(top(bundle({ logs: fresh, logsSince: opened, logBaseline: noisy }))).toMatchObject({
      cause: 'error_burst',
      confidence: 0.55,
    });
    // Each source is judged by its own history: a quiet file's burst is not hidden by a noisy stderr.
    const file = fresh.map((l) => ({ ...l, source: 'file:/var/log/app.log' }));
    const both = [
      ...noisy,
      { source: 'file:/var/log/app.log', from: opened - 30 * MIN, to: opened, errors: 0 },
    ];
    const d = top(bundle({ logs: [...fresh, ...file], logsSince: opened, logBaseline: both }));
    expect(d).toMatchObject({ cause: 'error_burst', confidence: 0.75 });
    expect(d?.evidence[0]).toMatch(/^12 error lines from file:\/var\/log\/app\.log/);
  });

  it('cert_expiring: within 14 days, or already expired', () => {
    const soon = top(
      bundle({ certificates: [{ subject: 'api.example.com', notAfter: T + 5 * 86_400_000 }] }),
    );
    expect(soon).toMatchObject({
      cause: 'cert_expiring',
      confidence: 0.9,
      evidence: ['certificate api.example.com expires in 5 days'],
    });
    const failed = top(
      bundle({
        probes: [{ check: 'https', at: T, ok: false, latencyMs: 3, message: 'certificate has expired' }],
      }),
    );
    expect(failed).toMatchObject({ cause: 'cert_expiring', confidence: 0.97 });
    expect(
      diagnoseByRules(bundle({ certificates: [{ subject: 'x', notAfter: T + 60 * 86_400_000 }] })),
    ).toEqual([]);
    // 20 days left of a 90-day certificate: under its tls check's warn_fraction, so due, though past 14 days.
    const due = top(
      bundle({
        certificates: [{ subject: 'api.example.com', notAfter: T + 20 * 86_400_000 }],
        probes: [
          {
            check: 'tls',
            at: T,
            ok: false,
            latencyMs: 4,
            message: 'expires in 20 days, 22% of its 90-day lifetime left, under warn_fraction 30%',
          },
        ],
      }),
    );
    expect(due).toMatchObject({ cause: 'cert_expiring', confidence: 0.9 });
    expect(due?.evidence).toEqual([expect.stringMatching(/^probe: ".*under warn_fraction 30%"$/)]);
  });

  it('brute_force: many failed logins, mostly from one address', () => {
    const logs = Array.from({ length: 14 }, (_, i) => ({
      at: T - i * 10_000,
      line: `sshd: Failed password for root from ${i < 12 ? '203.0.113.7' : '198.51.100.2'} port 22`,
    }));
    const d = top(bundle({ logs }));
    expect(d).toMatchObject({ cause: 'brute_force', confidence: 0.9 });
    expect(d?.evidence).toEqual(['14 failed logins in 10 min', '12 of them from 203.0.113.7']);
  });

  it("brute_force: the abuse detector's finding of failures from one address, not of 404 scanning", () => {
    const abuse = (reason: string) => ({
      id: `f-${reason}`,
      service: 'api',
      check: 'abuse:192.0.2.9',
      kind: 'abuse' as const,
      severity: 'warning' as const,
      score: 0.95,
      summary: `api: 6 ${reason} from 192.0.2.9 within 1 min (limit 5)`,
      evidence: { labels: { address: '192.0.2.9', family: 'ipv4', reason } },
      at: T,
    });
    const d = top(bundle({ findings: [abuse('failures')] }));
    expect(d).toMatchObject({ cause: 'brute_force', confidence: 0.95 });
    expect(d?.evidence).toEqual(['api: 6 failures from 192.0.2.9 within 1 min (limit 5)']);
    expect(top(bundle({ findings: [abuse('missing')] }))?.cause).not.toBe('brute_force');
  });

  it('ci_flaky_test: passed and failed on the same commit', () => {
    const ciRuns = [
      { test: 'checkout.spec', commit: 'abc', passed: false, at: T - 2 },
      { test: 'checkout.spec', commit: 'abc', passed: true, at: T - 1 },
      { test: 'login.spec', commit: 'abc', passed: true, at: T },
    ];
    expect(top(bundle({ ciRuns }))).toMatchObject({
      cause: 'ci_flaky_test',
      confidence: 0.9,
      evidence: ['checkout.spec both passed and failed on commit abc'],
    });
    const intermittent = [true, false, true, true, false, true].map((passed, i) => ({
      test: 't',
      commit: `c${i}`,
      passed,
      at: T + i,
    }));
    expect(top(bundle({ ciRuns: intermittent }))).toMatchObject({ cause: 'ci_flaky_test', confidence: 0.7 });
  });

  it('no signature, no diagnosis; several signatures, strongest first', () => {
    expect(diagnoseByRules(bundle())).toEqual([]);
    const all = diagnoseByRules(
      bundle({
        exits: [{ at: T, code: 137, signal: null }],
        rss: [100, 130, 150, 175, 200].map((mb, i) => ({ at: T - (5 - i) * MIN, mb })),
        logs: [{ at: T, line: 'FATAL: JavaScript heap out of memory' }],
      }),
    );
    expect(all.map((d) => [d.cause, d.confidence])).toEqual([
      ['memory_leak', 0.95],
      ['process_crashed', 0.6],
    ]);
  });
});

/**
 * Bundles shaped like those the drills got wrong (faults overlapping on the example stack), each now
 * diagnosed as the fault it was. Memory figures are the stack's Node API: 32 MB at its first sample, 57 MB
 * a second later, flat after.
 */
describe('diagnoseByRules: bundles once misdiagnosed', () => {
  const SEC = 1000;
  const series = (start: number, mbs: number[], step = SEC) =>
    mbs.map((mb, i) => ({ at: start + i * step, mb }));
  const probe = (check: string, at: number, ok: boolean, message: string, latencyMs = 5) => ({
    check,
    at,
    ok,
    latencyMs,
    message,
  });
  const causes = (b: EvidenceBundle) => diagnoseByRules(b).map((d) => d.cause);

  it('a SIGKILL seconds after a start is a crash: the start-up jump in memory is not a leak', () => {
    const started = T - 3 * SEC;
    const b = bundle({
      rss: series(started + 200, [31.8, 56.5, 57]),
      rssRunStartedAt: started,
      exits: [{ at: T, code: null, signal: 'SIGKILL', pid: 41 }],
      processAlive: false,
    });
    expect(top(b)).toMatchObject({ cause: 'process_crashed', confidence: 0.6 });
    // Without knowing when the run started, the jump that carries the whole rise still is no leak.
    expect(causes({ ...b, rssRunStartedAt: undefined })).toEqual(['process_crashed']);
    // The same after a longer run that settled (port-conflict: a stray takes the port as the API dies).
    const settled = bundle({
      rss: series(T - 9 * SEC, [28.4, 56.9, 57.2, 57.7, 57.3, 57.6, 57.8, 57.5]),
      exits: [{ at: T, code: null, signal: 'SIGKILL' }],
    });
    expect(causes(settled)).toEqual(['process_crashed']);
  });

  it('a slow service just started again: no leak in its start-up, no cause named', () => {
    const started = T - 6 * SEC;
    const b = bundle({
      findings: [finding({ kind: 'degraded', check: 'health', summary: 'api/health degraded: slow' })],
      trigger: { kind: 'degraded', check: 'health' },
      rss: series(started + 500, [48.6, 56.9, 57.2, 57.7, 57.7, 57.8]),
      rssRunStartedAt: started,
      processAlive: true,
      processState: { pid: 42, state: 'S' },
      probes: [1, 2].map((i) =>
        probe('health', T - i * SEC, false, '200 OK in 705ms, slower than 500ms', 705),
      ),
    });
    expect(diagnoseByRules(b)).toEqual([]);
  });

  it('memory_leak: a climb sustained past start-up, after a long flat stretch, with its forecast', () => {
    const flat = Array.from({ length: 60 }, (_, i) => 57 + (i % 3) * 0.4);
    const climb = [63.8, 83.8, 102.7, 122.8, 142];
    const b = bundle({
      findings: [
        finding({ kind: 'forecast', check: 'forecast:rss', summary: 'api rss reaches 300MiB in 8s' }),
      ],
      trigger: { kind: 'forecast', check: 'forecast:rss' },
      rss: series(T - 65 * SEC, [...flat, ...climb]),
      rssRunStartedAt: T - 70 * SEC,
      processAlive: true,
    });
    const d = top(b);
    expect(d).toMatchObject({ cause: 'memory_leak', confidence: 0.8 });
    expect(d?.evidence[0]).toMatch(/^resident memory rose from 5\d(\.\d)? MB to 142 MB over \d+ samples/);
    // A sampler that fell behind on a busy machine leaves one long step: it took as much of the time as of
    // the rise, and the climb is still a leak (killed here, as the OOM killer does).
    const steady = [0, 200, 400, 600, 2600, 2800, 3000, 3200, 3400].map((ms) => ({
      at: T - 4 * SEC + ms,
      mb: 80 + ms * 0.02,
    }));
    const killedLeak = bundle({ rss: steady, exits: [{ at: T, code: null, signal: 'SIGKILL' }] });
    expect(top(killedLeak)).toMatchObject({ cause: 'memory_leak', confidence: 0.9 });
    // Two samples of a climb are not yet a sustained one.
    expect(causes({ ...b, findings: [], rss: series(T - 62 * SEC, [...flat, 63.8, 83.8]) })).toEqual([]);
  });

  it('process_crashed: a database killed and already started again by the supervisor', () => {
    const exitAt = T - 4 * SEC;
    // The dying server's last line, then the new one recovering and refusing clients meanwhile.
    const logs = [
      { at: exitAt - 50, line: 'FATAL:  terminating connection due to unexpected postmaster exit', pid: 70 },
      ...Array.from({ length: 14 }, (_, i) => ({
        at: exitAt + 500 + i * 200,
        line: 'FATAL:  the database system is starting up',
        pid: 90,
      })),
    ].map((l) => ({ ...l, source: 'stderr' }));
    const b = bundle({
      service: 'db',
      exits: [{ at: exitAt, code: null, signal: 'SIGKILL', pid: 70 }],
      processAlive: true,
      processState: { pid: 90, state: 'S' },
      logs,
      logsSince: T - 2 * MIN,
      logBaseline: [{ source: 'stderr', from: T - 32 * MIN, to: T - 2 * MIN, errors: 0 }],
      trigger: { kind: 'down', check: 'port' },
    });
    const d = top(b);
    expect(d).toMatchObject({ cause: 'process_crashed', confidence: 0.6 });
    // Its last words are its own, not the next run's.
    expect(d?.evidence).toEqual([
      'db killed by SIGKILL',
      'last words: "FATAL:  terminating connection due to unexpected postmaster exit"',
      'it runs again as a new process (pid 90) started since',
    ]);
    expect(causes(b)).not.toContain('error_burst');
    // The same process still running (no new pid): the exit is over, the crash rule has nothing to say.
    expect(causes({ ...b, processState: { pid: 70, state: 'S' } })).not.toContain('process_crashed');
  });

  it('process_crashed, not error_burst: a kill in an incident whose earlier trouble logged many errors', () => {
    // The database's incident opened on its saturation, whose sessions' errors it logged for minutes; then it
    // was killed. The exit is the event the diagnosis names; those lines were not what killed it.
    const exitAt = T - 100;
    const logs = Array.from({ length: 50 }, (_, i) => ({
      at: T - 7 * MIN + i * 6 * SEC,
      line: 'FATAL:  terminating connection due to idle-in-transaction timeout',
      source: 'stderr',
    }));
    const b = bundle({
      service: 'db',
      exits: [{ at: exitAt, code: null, signal: 'SIGKILL', pid: 70 }],
      processAlive: false,
      logs,
      logsSince: T - 8 * MIN,
      logBaseline: [{ source: 'stderr', from: T - 38 * MIN, to: T - 8 * MIN, errors: 0 }],
      trigger: { kind: 'down', check: 'running', exit: true },
    });
    expect(top(b)).toMatchObject({ cause: 'process_crashed' });
    expect(causes(b)).not.toContain('error_burst');
    // The same lines with no exit (a probe's finding on a running process) are a burst.
    const running = {
      ...b,
      exits: [],
      processAlive: true,
      trigger: { kind: 'down' as const, check: 'postgres' },
    };
    expect(causes(running)).toContain('error_burst');
  });

  it('process_crashed: a crash loop whose failing starts each print an error, then one start succeeds', () => {
    const first = T - 6 * SEC;
    const logs = [0, 1, 2].flatMap((k) =>
      Array.from({ length: 5 }, (_, i) => ({
        at: first + k * 1500 + i,
        line: `ERROR start ${k} failed: dependency not ready (${i})`,
        source: 'stderr',
        pid: 100 + k,
      })),
    );
    const b = bundle({
      exits: [
        { at: first, code: null, signal: 'SIGKILL', pid: 99 },
        { at: first + 1500, code: 1, signal: null, pid: 100 },
        { at: first + 3000, code: 1, signal: null, pid: 101 },
      ],
      processAlive: true,
      processState: { pid: 102, state: 'S' },
      logs,
      logsSince: T - 2 * MIN,
      logBaseline: [{ source: 'stderr', from: T - 32 * MIN, to: T - 2 * MIN, errors: 0 }],
    });
    expect(top(b)?.cause).toBe('process_crashed');
    expect(causes(b)).not.toContain('error_burst');
  });

  it('an exit is not explained by a disk still filling or memory still climbing: process_crashed', () => {
    const forecasts = [
      finding({
        kind: 'forecast',
        check: 'forecast:data_dir',
        summary: 'api data_dir reaches the limit in 20s',
      }),
      finding({ kind: 'forecast', check: 'forecast:rss', summary: 'api rss reaches the limit in 20s' }),
    ];
    const exit = finding({
      check: 'running',
      summary: 'api exited with code 1',
      evidence: { code: 1, pid: 5 },
    });
    const rss = Array.from({ length: 10 }, (_, i) => ({ at: T - 20 * SEC + i * SEC, mb: 60 + 15 * i }));
    const b = bundle({
      findings: [...forecasts, exit],
      exits: [{ at: T - SEC, code: 1, signal: null, pid: 5 }],
      disk: [{ at: T, path: '/srv/api (limit 48 MB)', usedPercent: 60 }],
      rss,
      rssRunStartedAt: T - 60 * SEC,
      processAlive: false,
    });
    const onExit = diagnoseByRules({ ...b, trigger: { kind: 'down', check: 'running', exit: true } });
    expect(onExit[0]?.cause).toBe('process_crashed');
    expect(onExit.map((d) => d.cause)).not.toContain('disk_filling');
    expect(onExit.map((d) => d.cause)).not.toContain('memory_leak');
    // The forecasts themselves are still what they say.
    const onForecast = diagnoseByRules({ ...b, trigger: { kind: 'forecast', check: 'forecast:data_dir' } });
    expect(onForecast.map((d) => d.cause)).toContain('disk_filling');
  });

  it("disk_filling: the service's own disk, while an upstream it depends on is stopped", () => {
    const stoppedDb = {
      service: 'db',
      healthy: true,
      role: 'database',
      processState: { pid: 7, state: 'T' },
    };
    const forecast = finding({
      kind: 'forecast',
      check: 'forecast:data_dir',
      summary: 'api data_dir reaches the limit 48000000 in 20s',
    });
    const health = finding({ check: 'health', summary: 'api/health down: timed out after 900ms' });
    const b = bundle({
      findings: [health, forecast],
      dependencies: [stoppedDb],
      disk: [{ at: T, path: '/srv/api (limit 48 MB)', usedPercent: 52 }],
      processAlive: true,
      processState: { pid: 8, state: 'S' },
      probes: [1, 2].map((i) => probe('health', T - i * SEC, false, 'timed out after 900ms', 900)),
    });
    // The forecast is diagnosed as what it is about; the upstream does not explain a disk filling.
    expect(top({ ...b, trigger: { kind: 'forecast', check: 'forecast:data_dir' } })?.cause).toBe(
      'disk_filling',
    );
    expect(top({ ...b, trigger: { kind: 'down', check: 'disk' } })?.cause).toBe('disk_filling');
    // The failing health check still names the stopped upstream, to act on it.
    expect(top({ ...b, trigger: { kind: 'down', check: 'health' } })).toMatchObject({
      cause: 'hung',
      target: 'db',
    });
  });

  it('error_burst: its checks newly answered with server errors, when it logs nothing about them', () => {
    const ok = [5, 4, 3].map((i) => probe('health', T - i * SEC, true, '200 OK in 3ms'));
    const failing = [2, 1].map((i) =>
      probe('health', T - i * SEC, false, '500 Internal Server Error in 6ms, expected 200'),
    );
    const b = bundle({
      probes: [...ok, ...failing],
      logsSince: T - 2.5 * SEC,
      processAlive: true,
      processState: { pid: 8, state: 'S' },
      dependencies: [{ service: 'db', healthy: true }],
    });
    const d = top(b);
    expect(d).toMatchObject({ cause: 'error_burst', confidence: 0.6 });
    expect(d?.evidence[0]).toMatch(/^2 of its checks' requests answered with a server error, none before/);
    // A dependency failing answers its 503s.
    expect(causes({ ...b, dependencies: [{ service: 'db', healthy: false }] })).not.toContain('error_burst');
    // A check that reports the configuration broken is that, not failing requests.
    const config = failing.map((p) => ({ ...p, check: 'config' }));
    expect(diagnoseByRules({ ...b, probes: [...ok, ...config] })).toEqual([]);
    // A dependency that failed moments ago and recovered since still explains the 503s it caused.
    const recovered = [{ service: 'db', healthy: true, lastFailedAt: T - 1.5 * SEC }];
    expect(causes({ ...b, dependencies: recovered })).not.toContain('error_burst');
    // Still answering 500 well after the dependency was back: that is its own.
    const earlier = [{ service: 'db', healthy: true, lastFailedAt: T - 2.4 * SEC }];
    expect(causes({ ...b, dependencies: earlier })).toContain('error_burst');
    // Server errors were its usual answer before: nothing new.
    const before = [9, 8].map((i) =>
      probe('health', T - i * SEC, false, '500 Internal Server Error in 6ms, expected 200'),
    );
    expect(causes({ ...b, probes: [...before, ...ok, ...failing] })).toEqual([]);
    // One burst long before, among many good answers: the next burst is still new.
    const longBefore = [
      ...[40, 39].map((i) =>
        probe('health', T - i * SEC, false, '500 Internal Server Error in 6ms, expected 200'),
      ),
      ...Array.from({ length: 12 }, (_, i) => probe('health', T - (30 - i) * SEC, true, '200 OK in 3ms')),
    ];
    expect(causes({ ...b, probes: [...longBefore, ...ok, ...failing] })).toContain('error_burst');
  });

  it('process_crashed: a proxy killed while its upstream refused it names its death, not the upstream', () => {
    const b = bundle({
      service: 'proxy',
      exits: [{ at: T - SEC, code: null, signal: 'SIGKILL', pid: 50 }],
      processAlive: false,
      logs: [
        {
          at: T - 3 * SEC,
          line: '[error] connect() failed (111: Connection refused) while connecting to upstream 127.0.0.1:8081',
          source: 'stderr',
          pid: 50,
        },
      ],
      dependencies: [{ service: 'api', healthy: false, addresses: ['127.0.0.1:8081'] }],
    });
    expect(top(b)).toMatchObject({ cause: 'process_crashed', confidence: 0.6 });
    expect(causes(b)).not.toContain('db_unreachable');
    // Started again and still refused by its upstream: that is the upstream's doing.
    const again = { ...b, processAlive: true, processState: { pid: 50, state: 'S' }, exits: [] };
    expect(top(again)).toMatchObject({ cause: 'db_unreachable', target: 'api' });
  });
});
