import { describe, expect, it } from 'vitest';
import type { EvidenceBundle } from './evidence.js';
import { bundle, finding, MIN, T, top } from './rules.fixture.js';
import { diagnoseByRules } from './rules.js';

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
