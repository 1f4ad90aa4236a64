import { describe, expect, it } from 'vitest';
import { serviceLogsSchema } from '../../config/schema/logs.js';
import { frame } from './docker.fixture.js';
import { DockerDemuxer, dockerPositionFromTail, dockerPositionToTail, parseDockerStamp } from './docker.js';
import { BASE, ts } from './docker-env.fixture.js';

describe('Docker stream format', () => {
  it('parses stamps with nine, fewer or no fraction digits and with offsets', () => {
    expect(parseDockerStamp(`${ts(1, '123456789')} x`)).toEqual({
      sec: BASE + 1,
      nsec: 123456789,
      length: 31,
    });
    expect(parseDockerStamp('2026-01-01T00:00:01.5Z x')).toMatchObject({ sec: BASE + 1, nsec: 500_000_000 });
    expect(parseDockerStamp('2026-01-01T01:00:02+01:00 x')).toMatchObject({ sec: BASE + 2, nsec: 0 });
    expect(parseDockerStamp(Buffer.from('2026-01-01T00:00:03.000000007Z'))).toMatchObject({ nsec: 7 });
    expect(parseDockerStamp('not stamped')).toBeNull();
    expect(parseDockerStamp('2026-01-01 00:00:03 x')).toBeNull();
  });

  it('demultiplexes byte by byte, and falls back to raw when the bytes are no frame header', () => {
    const bytes = Buffer.concat([
      frame('stdout', Buffer.from('out\n')),
      frame('stderr', Buffer.from('err\n')),
      frame('stdin', Buffer.from('in\n')),
      frame('stdout', Buffer.alloc(0)),
    ]);
    const d = new DockerDemuxer(false);
    const frames = [];
    for (let i = 0; i < bytes.length; i++) frames.push(...d.push(bytes.subarray(i, i + 1)));
    expect(frames.map((f) => [f.stream, f.payload.toString(), f.framed])).toEqual([
      ['stdout', 'out\n', true],
      ['stderr', 'err\n', true],
      ['stdout', 'in\n', true],
      ['stdout', '', true],
    ]);
    const wrong = new DockerDemuxer(false);
    expect(wrong.push(Buffer.from('2026-01-01T00:00:01Z plain text\n'))).toEqual([
      { stream: 'stdout', payload: Buffer.from('2026-01-01T00:00:01Z plain text\n'), framed: false },
    ]);
    expect(wrong.isRaw).toBe(true);
  });

  it('keeps a daemon error frame (stream 3) out of the log, and stays framed after it', () => {
    const error = Buffer.alloc(8 + 5);
    error[0] = 3;
    error.writeUInt32BE(5, 4);
    error.write('oops\n', 8);
    const d = new DockerDemuxer(false);
    const frames = d.push(
      Buffer.concat([frame('stdout', Buffer.from('a\n')), error, frame('stdout', Buffer.from('b\n'))]),
    );
    expect(frames.map((f) => [f.stream, f.payload.toString(), f.framed, f.system ?? false])).toEqual([
      ['stdout', 'a\n', true, false],
      ['stderr', 'oops\n', true, true],
      ['stdout', 'b\n', true, false],
    ]);
    expect(d.isRaw).toBe(false);
    // Once framed, a header that cannot be one is damage: dropped, never taken for a raw stream.
    expect(d.push(Buffer.from('garbage that is no header\n'))).toEqual([]);
    expect(d.isRaw).toBe(false);
    expect(d.push(frame('stderr', Buffer.from('c\n'))).map((f) => f.payload.toString())).toEqual(['c\n']);
  });

  it('keeps a position in the store as dev = seconds, ino = nanoseconds, offset = count', () => {
    const p = { sec: BASE + 5, nsec: 999_999_999, count: 3 };
    expect(dockerPositionFromTail(dockerPositionToTail(p))).toEqual(p);
    expect(dockerPositionFromTail({ dev: 2049, ino: 1_234_567_890, offset: 10 })).toBeNull();
    expect(dockerPositionFromTail(null)).toBeNull();
  });

  it('configures a docker source with the same defaults as files, and refuses two endpoints', () => {
    const cfg = serviceLogsSchema.parse({ docker: [{ container: 'web' }] });
    expect(cfg.docker).toEqual([
      { container: 'web', format: 'auto', multiline: true, stdout: true, stderr: true, from: 'end' },
    ]);
    expect(serviceLogsSchema.parse({}).docker).toEqual([]);
    const both = serviceLogsSchema.safeParse({
      docker: [{ container: 'web', socket_path: '/run/docker.sock', url: 'http://127.0.0.1:2375' }],
    });
    expect(both.success).toBe(false);
    expect(serviceLogsSchema.safeParse({ docker: [{ container: '../images' }] }).success).toBe(false);
    expect(
      serviceLogsSchema.safeParse({ docker: [{ container: 'web', stdout: false, stderr: false }] }).success,
    ).toBe(false);
  });
});
