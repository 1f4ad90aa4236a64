import { describe, expect, it } from 'vitest';
import { bundle, finding, MIN, T, top } from './rules.fixture.js';
import { diagnoseByRules } from './rules.js';

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
