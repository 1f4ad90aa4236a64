import { rmSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { SimulatedClock } from '../../core/index.js';
import { FakeDockerd, line, raw, stamped } from './docker.fixture.js';
import { type DockerLogOptions, DockerLogSource, type DockerRecord, dockerPositionToTail } from './docker.js';
import { BASE, fakeDockerdPerTest, ts, until } from './docker-env.fixture.js';

const env = fakeDockerdPerTest();

function source(clock: SimulatedClock, opts: Partial<DockerLogOptions> = {}) {
  const records: DockerRecord[] = [];
  const warnings: string[] = [];
  const infos: string[] = [];
  const src = new DockerLogSource({
    container: 'web',
    socketPath: env.socketPath,
    clock,
    onRecords: (r) => {
      records.push(...r);
    },
    logger: {
      warn: (obj, msg) => warnings.push(`${msg}: ${(obj as { reason?: string }).reason}`),
      info: (_obj, msg) => infos.push(msg),
    },
    ...opts,
  });
  env.sources.push(src);
  return { src, records, warnings, infos };
}

describe('DockerLogSource (real dockerode against a Docker Engine API server on a unix socket)', () => {
  it('demultiplexes frames cut across chunks and frames of several lines, and strips the stamps', async () => {
    const c = env.dockerd.add('web', { chunkBytes: 5 });
    c.log.push(
      line('stdout', ts(1, '123456789'), 'GET /a 200 3ms'),
      line('stderr', ts(2, '500000000'), 'WARN disk at 91%'),
      // One frame holding three lines, each with its own stamp.
      raw(
        'stdout',
        ts(3, '000000001'),
        stamped(ts(3, '000000001'), 'one') +
          stamped(ts(3, '000000002'), 'two') +
          stamped(ts(3, '000000003'), 'three'),
      ),
      line('stdout', ts(4), ''),
      // A line over 16 KiB comes as partial messages: frames without a newline, each stamped.
      raw('stdout', ts(5, '000000001'), `${ts(5, '000000001')} first half, `),
      raw('stdout', ts(5, '000000002'), stamped(ts(5, '000000002'), 'second half')),
      line('stderr', ts(6), 'überall ✓'),
    );
    const { src, records } = source(new SimulatedClock(), { continuation: null });
    await src.start();
    await until('8 records', () => records.length >= 8);
    expect(records.map((r) => [r.stream, r.text, r.time - BASE * 1000])).toEqual([
      ['stdout', 'GET /a 200 3ms', 1123],
      ['stderr', 'WARN disk at 91%', 2500],
      ['stdout', 'one', 3000],
      ['stdout', 'two', 3000],
      ['stdout', 'three', 3000],
      ['stdout', '', 4000],
      ['stdout', 'first half, second half', 5000],
      ['stderr', 'überall ✓', 6000],
    ]);
    expect(records[0]?.position).toEqual({ sec: BASE + 1, nsec: 123456789, count: 1 });
    expect(records[6]?.position).toEqual({ sec: BASE + 5, nsec: 2, count: 1 });
    // dockerode sends the booleans as `true`, which dockerd reads as it reads 1.
    expect(env.logRequests()[0]?.query).toEqual({
      follow: 'true',
      stdout: 'true',
      stderr: 'true',
      timestamps: 'true',
    });
    expect(env.dockerd.requests[0]?.path).toBe('/containers/web/json');
  });

  it('asks only for the streams it is told to read', async () => {
    const c = env.dockerd.add('web');
    c.log.push(line('stdout', ts(1), 'out'), line('stderr', ts(2), 'err'));
    const { src, records } = source(new SimulatedClock(), { continuation: null, stdout: false });
    await src.start();
    await until('the stderr line', () => records.length >= 1);
    expect(env.logRequests()[0]?.query).toMatchObject({ stdout: 'false', stderr: 'true' });
    expect(records.map((r) => [r.stream, r.text])).toEqual([['stderr', 'err']]);
  });

  it('joins a stack trace written one line per frame, and finishes the last record when idle', async () => {
    const c = env.dockerd.add('web');
    c.log.push(
      line('stderr', ts(1), 'Error: boom'),
      line('stderr', ts(1, '000000100'), '    at handler (/app/server.js:10:5)'),
      line('stderr', ts(1, '000000200'), '    at process.tick (node:internal/process:83:21)'),
      // A continuation on the other stream starts a record of its own.
      line('stdout', ts(2), '    indented access line'),
      line('stdout', ts(3), 'TypeError: x is undefined'),
      line('stdout', ts(3, '000000100'), '    at y (/app/y.js:1:1)'),
    );
    const clock = new SimulatedClock();
    const { src, records } = source(clock, { idleFlushMs: 500 });
    await src.start();
    await until('the first two records', () => records.length >= 2);
    expect(records[0]).toEqual({
      text: 'Error: boom\n    at handler (/app/server.js:10:5)\n    at process.tick (node:internal/process:83:21)',
      stream: 'stderr',
      time: (BASE + 1) * 1000,
      lines: 3,
      position: { sec: BASE + 1, nsec: 200, count: 1 },
    });
    expect(records[1]).toMatchObject({ text: '    indented access line', stream: 'stdout', lines: 1 });
    // The last trace waits for a line that is not a continuation, or for the idle flush.
    await new Promise((r) => setTimeout(r, 50));
    expect(records).toHaveLength(2);
    await clock.advance(499);
    expect(records).toHaveLength(2);
    await clock.advance(1);
    await until('the idle flush', () => records.length >= 3);
    expect(records[2]).toMatchObject({
      text: 'TypeError: x is undefined\n    at y (/app/y.js:1:1)',
      lines: 2,
      position: { sec: BASE + 3, nsec: 100, count: 1 },
    });
  });

  it('reads a batch again when storing it failed on the idle flush, and loses nothing', async () => {
    const c = env.dockerd.add('web');
    c.log.push(
      line('stderr', ts(1), 'Error: boom'),
      line('stderr', ts(1, '000000100'), '    at handler (/app/server.js:10:5)'),
    );
    const clock = new SimulatedClock();
    let failOnce = true;
    const { src, records } = source(clock, {
      idleFlushMs: 500,
      retryMs: 1000,
      onRecords: (r) => {
        if (failOnce) {
          failOnce = false;
          throw new Error('disk full');
        }
        records.push(...r);
      },
    });
    await src.start();
    await until('the first connection', () => env.logRequests().length >= 1);
    await new Promise((r) => setTimeout(r, 50)); // the trace waits for the idle flush
    await clock.advance(500); // the flush; storing fails, the connection ends
    await until('a reconnect is pending', () => !failOnce);
    for (let i = 0; i < 10 && records.length === 0; i++) {
      await clock.advance(1000);
      await new Promise((r) => setTimeout(r, 20));
      await clock.advance(500);
      await new Promise((r) => setTimeout(r, 20));
    }
    await until('the trace stored', () => records.length >= 1);
    expect(records.map((r) => r.text)).toEqual(['Error: boom\n    at handler (/app/server.js:10:5)']);
    expect(env.logRequests().length).toBeGreaterThanOrEqual(2);
  });

  it('resumes after a restart with `since` and repeats no line, even lines sharing a stamp', async () => {
    const c = env.dockerd.add('web');
    c.log.push(
      line('stdout', ts(10, '000000100'), 'a'),
      line('stdout', ts(11, '000000200'), 'b'),
      // Two lines with one stamp: a coarse clock does that.
      raw(
        'stdout',
        ts(11, '000000300'),
        stamped(ts(11, '000000300'), 'c') + stamped(ts(11, '000000300'), 'd'),
      ),
    );
    const clock = new SimulatedClock();
    const first = source(clock, { continuation: null });
    await first.src.start();
    await until('4 records', () => first.records.length >= 4);
    await first.src.stop();
    // What the store keeps with the last stored line.
    const saved = dockerPositionToTail(first.records[3]?.position as NonNullable<DockerRecord['position']>);
    expect(saved).toEqual({ dev: BASE + 11, ino: 300, offset: 2 });

    // Written while Medic was down: one more line with the same stamp as c and d, and the same second.
    c.log.push(
      raw('stdout', ts(11, '000000300'), stamped(ts(11, '000000300'), 'e')),
      line('stderr', ts(11, '000000400'), 'f'),
      line('stdout', ts(12), 'g'),
    );
    const second = source(clock, { continuation: null });
    second.src.resumeAt(saved);
    await second.src.start();
    await until('3 records', () => second.records.length >= 3);
    expect(second.records.map((r) => r.text)).toEqual(['e', 'f', 'g']);
    expect(env.logRequests()[1]?.query['since']).toBe(String(BASE + 11));
    // dockerd sent b, c and d again (same second); the source dropped them.
    expect(second.src.stats.replayed).toBe(3);
    // Live lines keep coming after the resume.
    await env.dockerd.append('web', line('stdout', ts(13), 'h'));
    await until('the live line', () => second.records.length >= 4);
    expect(second.records.map((r) => r.text)).toEqual(['e', 'f', 'g', 'h']);
  });

  it('reads a TTY container, whose stream is raw (no frames, CRLF)', async () => {
    const c = env.dockerd.add('web', { tty: true, chunkBytes: 7 });
    c.log.push(
      raw(
        'stdout',
        ts(1),
        stamped(ts(1, '000000001'), 'hello from a tty', '\r\n') +
          stamped(ts(1, '000000002'), 'second', '\r\n'),
      ),
    );
    const { src, records } = source(new SimulatedClock(), { continuation: null });
    await src.start();
    await until('2 records', () => records.length >= 2);
    await env.dockerd.append('web', raw('stdout', ts(2), stamped(ts(2), 'live', '\r\n')));
    await until('3 records', () => records.length >= 3);
    expect(records.map((r) => [r.stream, r.text, r.time - BASE * 1000])).toEqual([
      ['stdout', 'hello from a tty', 1000],
      ['stdout', 'second', 1000],
      ['stdout', 'live', 2000],
    ]);
  });

  it('reconnects on the clock after the stream ends or the daemon goes, warning once per outage', async () => {
    const c = env.dockerd.add('web');
    c.log.push(line('stdout', ts(1), 'before'));
    const clock = new SimulatedClock();
    const { src, records, warnings, infos } = source(clock, {
      continuation: null,
      retryMs: 1000,
      maxRetryMs: 4000,
    });
    await src.start();
    await until('the first line', () => records.length >= 1);

    // The container stops: dockerd ends the stream.
    await env.dockerd.stop('web');
    await until('a warning', () => warnings.length >= 1);
    expect(warnings[0]).toMatch(/log stream ended/);
    await until('the backoff timer', () => clock.pending() === 1);
    await clock.advance(999);
    expect(env.logRequests()).toHaveLength(1);
    await clock.advance(1);
    // Still stopped: it reads to the end again, and waits twice as long; no second warning.
    await until('a second attempt', () => env.logRequests().length === 2 && clock.pending() === 1);
    await clock.advance(1999);
    expect(env.logRequests()).toHaveLength(2);

    // The container runs again with a new line.
    c.running = true;
    c.log.push(line('stdout', ts(5), 'after'));
    await clock.advance(1);
    await until('the new line', () => records.length >= 2);
    expect(records.map((r) => r.text)).toEqual(['before', 'after']);
    expect(env.logRequests()[2]?.query['since']).toBe(String(BASE + 1));
    expect(warnings).toHaveLength(1);
    expect(infos).toEqual(['docker logs: following again']);

    // The daemon goes away mid-stream, and comes back on the same socket.
    await env.dockerd.close();
    await until('a second warning', () => warnings.length >= 2);
    expect(src.stats.outages).toBe(2);
    rmSync(env.socketPath, { force: true });
    const next = new FakeDockerd(env.socketPath);
    for (const [id, cont] of env.dockerd.containers) next.containers.set(id, cont);
    env.dockerd = next;
    await env.dockerd.listen();
    c.log.push(line('stderr', ts(7), 'again'));
    await until('the backoff timer', () => clock.pending() === 1);
    // A live stream had reset the backoff: the first retry comes after retryMs.
    await clock.advance(1000);
    await until('the line written while away', () => records.length >= 3);
    expect(records.map((r) => r.text)).toEqual(['before', 'after', 'again']);
    expect(warnings).toHaveLength(2);
    expect(infos).toHaveLength(2);
    expect(src.stats.connects).toBe(4);
  });

  it('keeps retrying, warning once, while the container does not exist', async () => {
    const clock = new SimulatedClock();
    const { src, warnings, records } = source(clock, {
      container: 'ghost',
      continuation: null,
      retryMs: 100,
      maxRetryMs: 400,
    });
    await src.start();
    await until('a warning', () => warnings.length >= 1);
    expect(warnings[0]).toMatch(/no such container/);
    for (let i = 0; i < 4; i++) {
      await until('the backoff timer', () => clock.pending() === 1);
      await clock.advance(400);
    }
    await until('5 attempts', () => env.dockerd.requests.length >= 5);
    expect(warnings).toHaveLength(1);
    // Only inspects: no logs request for a container that is not there.
    expect(env.logRequests()).toHaveLength(0);
    env.dockerd.add('ghost').log.push(line('stdout', ts(1), 'born'));
    await until('the backoff timer', () => clock.pending() === 1);
    await clock.advance(400);
    await until('the first line', () => records.length >= 1);
  });

  it('from end starts at the time it starts; from start reads all Docker kept', async () => {
    const c = env.dockerd.add('web');
    c.log.push(
      line('stdout', ts(29), 'old'),
      line('stdout', ts(30, '100000000'), 'just before'),
      line('stdout', ts(30, '300000000'), 'just after'),
      line('stdout', ts(31), 'later'),
    );
    const clock = new SimulatedClock((BASE + 30) * 1000 + 250);
    const end = source(clock, { continuation: null, fromEnd: true });
    await end.src.start();
    await until('2 records', () => end.records.length >= 2);
    expect(end.records.map((r) => r.text)).toEqual(['just after', 'later']);
    expect(env.logRequests()[0]?.query['since']).toBe(String(BASE + 30));

    const start = source(clock, { continuation: null, fromEnd: true });
    // A saved position wins over `from`.
    start.src.resumeAt({ dev: BASE + 29, ino: 0, offset: 1 });
    await start.src.start();
    await until('3 records', () => start.records.length >= 3);
    expect(start.records.map((r) => r.text)).toEqual(['just before', 'just after', 'later']);

    const all = source(clock, { continuation: null, fromEnd: false });
    await all.src.start();
    await until('4 records', () => all.records.length >= 4);
    expect(all.records.map((r) => r.text)).toEqual(['old', 'just before', 'just after', 'later']);
    expect(env.logRequests()[2]?.query['since']).toBeUndefined();
  });

  it('stops while following, delivering the record it holds', async () => {
    const c = env.dockerd.add('web');
    c.log.push(line('stderr', ts(1), 'Error: x'), line('stderr', ts(1, '000000001'), '  at z'));
    const { src, records } = source(new SimulatedClock());
    await src.start();
    await until('the follow', () => env.dockerd.followerCount('web') === 1 && src.stats.lines === 2);
    expect(records).toHaveLength(0);
    await src.stop();
    expect(records.map((r) => r.text)).toEqual(['Error: x\n  at z']);
    await until('the follower gone', () => env.dockerd.followerCount('web') === 0);
  });
});
