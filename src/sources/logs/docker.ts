import type Docker from 'dockerode';
import type { Clock, TimerHandle } from '../../core/index.js';
import { errorMessage, RealClock } from '../../core/index.js';
import { DockerDemuxer, type DockerStream } from './docker-demux.js';
import { DEFAULT_CONTINUATION, type JoinedRecord, LineJoiner } from './multiline.js';
import type { TailPosition } from './offsets.js';

export { DockerDemuxer, type DockerFrame, type DockerStream } from './docker-demux.js';
export {
  type DockerLogLogger,
  type DockerLogOptions,
  type DockerLogStats,
  type DockerRecord,
  dockerOptions,
} from './docker-options.js';

import {
  type DockerLogOptions,
  type DockerLogStats,
  type DockerRecord,
  dockerOptions,
} from './docker-options.js';

export {
  type DockerPosition,
  type DockerStamp,
  dockerPositionFromTail,
  dockerPositionToTail,
  parseDockerStamp,
} from './docker-stamp.js';

import {
  compare,
  type DockerPosition,
  type DockerStamp,
  dockerPositionFromTail,
  parseDockerStamp,
} from './docker-stamp.js';

let dockerode: Promise<typeof Docker> | undefined;

/** dockerode loads on first use, not with the daemon: every fork of the daemon pays for what is loaded. */
function loadDockerode(): Promise<typeof Docker> {
  dockerode ??= import('dockerode').then((m) => m.default);
  return dockerode;
}

/** A line being assembled from Docker's partial messages (a line over 16 KiB comes in several frames). */
interface Partial {
  parts: Buffer[];
  size: number;
  stamps: DockerStamp[];
  time: number;
}

interface LineMeta {
  stream: DockerStream;
  time: number;
  pos: DockerPosition | null;
}

/**
 * Follows a container's log through the Docker Engine API (`GET /containers/{id}/logs?follow=1&timestamps=1`)
 * and hands records to `onRecords`, lines joined like a tailed file's. The position is Docker's stamp of the
 * last delivered line: a reconnect or a restart asks with `since` (whole seconds) and drops what Docker sends
 * again up to that position, so a receiver that stores each record's `position` with it (resumeAt on start)
 * gets every line once. Following by stamp, not by byte offset, also carries over a container recreated under
 * the same name. When the stream ends (the container stopped) or fails (the daemon is unreachable), the source
 * retries with backoff on its clock, warning once per outage; it never throws out of its loop.
 */
export class DockerLogSource {
  readonly stats: DockerLogStats = {
    records: 0,
    lines: 0,
    replayed: 0,
    connects: 0,
    outages: 0,
    truncatedLines: 0,
  };
  private readonly clock: Clock;
  /** Checked by the constructor (a bad URL throws there), used by start() to make the client. */
  private readonly endpoint: Docker.DockerOptions | undefined;
  private docker: Docker | null = null;
  private readonly joiner: LineJoiner;
  private readonly maxLine: number;
  private running = false;
  private loop: Promise<void> = Promise.resolve();
  private abort = new AbortController();
  private current: NodeJS.ReadableStream | null = null;
  /** Chunks, idle flushes and the final flush run one at a time, in order. */
  private chain: Promise<unknown> = Promise.resolve();
  private idleTimer: TimerHandle | undefined;
  private outage = false;
  /** Position of the last record onRecords accepted: where a reconnect resumes. */
  private delivered: DockerPosition | null = null;
  /** Newest stamp of the lines completed on this connection (records carry a copy). */
  private pos: DockerPosition | null = null;
  /** This connection drops lines up to here: Docker sends again what `since` covers. */
  private floor: DockerPosition | null = null;
  private floorSeen = 0;
  private readonly partials = new Map<DockerStream, Partial>();
  private carry: Buffer | null = null;
  private lastTime = 0;
  /** Lines in the joiner are numbered; their stream, time and position wait here until their record is out. */
  private seq = 0;
  private readonly meta = new Map<number, LineMeta>();
  private joinStream: DockerStream | null = null;
  private out: DockerRecord[] = [];

  constructor(private readonly opts: DockerLogOptions) {
    this.clock = opts.clock ?? new RealClock();
    this.endpoint = dockerOptions(opts.socketPath, opts.url);
    this.joiner = new LineJoiner(opts.continuation === undefined ? DEFAULT_CONTINUATION : opts.continuation);
    this.maxLine = opts.maxLineBytes ?? 64 * 1024;
  }

  /** The position stored with the last record (as the store keeps it): resume after it. */
  resumeAt(pos: TailPosition | null): void {
    this.delivered = dockerPositionFromTail(pos);
  }

  /** Starts following in the background: an unreachable daemon delays the lines, never the caller. */
  async start(): Promise<void> {
    if (this.running) return;
    if (!this.docker) {
      const Dockerode = await loadDockerode();
      if (this.running) return;
      this.docker = new Dockerode(this.endpoint);
    }
    this.running = true;
    this.abort = new AbortController();
    if (!this.delivered && this.opts.fromEnd) {
      const now = this.clock.now();
      this.delivered = { sec: Math.floor(now / 1000), nsec: (now % 1000) * 1_000_000, count: 0 };
    }
    this.loop = this.run();
  }

  async stop(): Promise<void> {
    if (!this.running) return;
    this.running = false;
    this.abort.abort();
    (this.current as { destroy?: () => void } | null)?.destroy?.();
    await this.loop;
    await this.chain;
    this.clock.clearTimeout(this.idleTimer);
  }

  private async run(): Promise<void> {
    const first = this.opts.retryMs ?? 1000;
    const max = this.opts.maxRetryMs ?? 30_000;
    let delay = first;
    let since = 0;
    while (this.running) {
      let reason: string;
      try {
        const live = await this.follow(() => {
          delay = first;
          if (this.outage) {
            this.outage = false;
            this.opts.logger?.info(
              { container: this.opts.container, downMs: this.clock.now() - since },
              'docker logs: following again',
            );
          }
        });
        reason = live
          ? 'the log stream ended (container stopped or restarted)'
          : 'the container is not running';
      } catch (err) {
        reason = errorMessage(err);
      }
      if (!this.running) break;
      if (!this.outage) {
        this.outage = true;
        since = this.clock.now();
        this.stats.outages++;
        this.opts.logger?.warn(
          { container: this.opts.container, reason },
          'docker logs: no log stream from the container; retrying',
        );
      }
      try {
        await this.clock.sleep(delay, this.abort.signal);
      } catch {
        break;
      }
      delay = Math.min(delay * 2, max);
    }
  }

  /** One connection: inspect (TTY? running?), then the log stream to its end. Returns whether it ran live. */
  private async follow(onLive: () => void): Promise<boolean> {
    const signal = this.abort.signal;
    const container = this.docker!.getContainer(this.opts.container);
    const info = await container.inspect({ abortSignal: signal });
    const live = info.State?.Running === true;
    this.pos = this.delivered && { ...this.delivered };
    this.floor = this.delivered && { ...this.delivered };
    this.floorSeen = 0;
    const stream = await container.logs({
      follow: true,
      stdout: this.opts.stdout ?? true,
      stderr: this.opts.stderr ?? true,
      timestamps: true,
      ...(this.floor && { since: this.floor.sec }),
      abortSignal: signal,
    });
    this.current = stream;
    this.stats.connects++;
    if (live) onLive();
    const demux = new DockerDemuxer(info.Config?.Tty === true);
    try {
      for await (const chunk of stream as AsyncIterable<Buffer>) {
        if (!this.running) break;
        await this.serial(() => this.consume(demux, chunk));
      }
      await this.serial(() => this.finish(this.running ? 'end' : 'stop'));
    } catch (err) {
      await this.serial(() => this.finish(this.running ? 'error' : 'stop'));
      throw err;
    } finally {
      this.current = null;
    }
    return live;
  }

  private serial(fn: () => Promise<void>): Promise<void> {
    const next = this.chain.then(fn);
    this.chain = next.catch(() => undefined);
    return next;
  }

  private async consume(demux: DockerDemuxer, chunk: Buffer): Promise<void> {
    for (const f of demux.push(chunk)) {
      if (f.system) {
        // The daemon's error about its own log file (e.g. a corrupt json-file entry): said, not ingested.
        this.opts.logger?.warn(
          { container: this.opts.container, error: f.payload.toString('utf8').trim().slice(0, 500) },
          'docker reports an error reading the container log',
        );
      } else if (f.framed) this.frame(f.stream, f.payload);
      else this.rawChunk(f.payload);
    }
    this.clock.clearTimeout(this.idleTimer);
    if (this.joiner.pending()) {
      this.idleTimer = this.clock.setTimeout(() => {
        // Not stored: end this connection, so the reconnect reads the batch again from the stored position
        // rather than going on past it.
        void this.serial(() => this.flushJoined()).catch(() =>
          (this.current as { destroy?: (err?: Error) => void } | null)?.destroy?.(
            new Error('storing the log failed'),
          ),
        );
      }, this.opts.idleFlushMs ?? 500);
    }
    await this.deliver();
  }

  /** One write of the container: usually one line; a payload without a final newline is a partial message. */
  private frame(stream: DockerStream, payload: Buffer): void {
    let start = 0;
    while (start < payload.length) {
      const nl = payload.indexOf(10, start);
      if (nl < 0) {
        this.segment(stream, payload.subarray(start), false);
        return;
      }
      this.segment(stream, payload.subarray(start, nl), true);
      start = nl + 1;
    }
  }

  /** A TTY's stream has no frames and is cut anywhere: lines end at newlines only. */
  private rawChunk(chunk: Buffer): void {
    const buf = this.carry ? Buffer.concat([this.carry, chunk]) : chunk;
    let start = 0;
    for (let nl = buf.indexOf(10); nl >= 0; nl = buf.indexOf(10, start)) {
      this.segment('stdout', buf.subarray(start, nl), true);
      start = nl + 1;
    }
    let rest = buf.subarray(start);
    if (rest.length > this.maxLine + 64) {
      // A runaway line: cut it here rather than hold it.
      this.segment('stdout', rest, true);
      rest = buf.subarray(buf.length);
    }
    this.carry = rest.length > 0 ? Buffer.from(rest) : null;
  }

  private segment(stream: DockerStream, bytes: Buffer, complete: boolean): void {
    let b = complete && bytes[bytes.length - 1] === 13 ? bytes.subarray(0, -1) : bytes;
    const stamp = parseDockerStamp(b);
    if (stamp) {
      b = b.subarray(stamp.length);
      if (this.isReplay(stamp)) {
        this.stats.replayed++;
        return;
      }
    }
    let p = this.partials.get(stream);
    if (!p) {
      const time = stamp
        ? stamp.sec * 1000 + Math.floor(stamp.nsec / 1e6)
        : this.lastTime || this.clock.now();
      p = { parts: [], size: 0, stamps: [], time };
      this.partials.set(stream, p);
    }
    const room = this.maxLine - p.size;
    if (room > 0) {
      if (b.length > room) this.stats.truncatedLines++;
      const part = b.length > room ? b.subarray(0, room) : b;
      p.parts.push(part);
      p.size += part.length;
    }
    if (stamp) p.stamps.push(stamp);
    if (!complete) return;
    this.partials.delete(stream);
    this.line(stream, p);
  }

  /** Lines up to the floor were delivered before this connection: Docker's `since` has whole seconds. */
  private isReplay(s: DockerStamp): boolean {
    const f = this.floor;
    if (!f) return false;
    const c = compare(s, f);
    if (c !== 0) return c < 0;
    this.floorSeen++;
    return this.floorSeen <= f.count;
  }

  private line(stream: DockerStream, p: Partial): void {
    for (const s of p.stamps) {
      const c = this.pos ? compare(s, this.pos) : 1;
      // The newest stamp wins: stdout and stderr are stamped apart, so they may interleave slightly out of order.
      if (c > 0) this.pos = { sec: s.sec, nsec: s.nsec, count: 1 };
      else if (c === 0 && this.pos) this.pos.count++;
    }
    const text = (p.parts.length === 1 ? (p.parts[0] as Buffer) : Buffer.concat(p.parts)).toString('utf8');
    this.lastTime = p.time;
    this.stats.lines++;
    // A record never spans streams: a stderr line does not continue a stdout record.
    if (this.joinStream !== null && this.joinStream !== stream) this.collect(this.joiner.flush());
    this.joinStream = stream;
    const seq = ++this.seq;
    this.meta.set(seq, { stream, time: p.time, pos: this.pos && { ...this.pos } });
    this.collect(this.joiner.push({ text, end: seq }));
  }

  private collect(rec: JoinedRecord | null): void {
    if (!rec) return;
    const first = rec.end - rec.lines + 1;
    const head = this.meta.get(first) as LineMeta;
    const tail = this.meta.get(rec.end) as LineMeta;
    for (let i = first; i <= rec.end; i++) this.meta.delete(i);
    this.out.push({
      text: rec.text,
      stream: head.stream,
      time: head.time,
      lines: rec.lines,
      position: tail.pos,
    });
  }

  private async flushJoined(): Promise<void> {
    if (!this.running) return;
    this.collect(this.joiner.flush());
    this.joinStream = null;
    await this.deliver();
  }

  private async deliver(): Promise<void> {
    if (this.out.length === 0) return;
    const batch = this.out;
    this.out = [];
    await this.opts.onRecords(batch);
    this.stats.records += batch.length;
    for (let i = batch.length - 1; i >= 0; i--) {
      const pos = (batch[i] as DockerRecord).position;
      if (pos) {
        this.delivered = { ...pos };
        break;
      }
    }
  }

  /**
   * The connection is over. `end`: the container stopped, so its unfinished line and record are complete.
   * `stop`: Medic stops; the finished record goes out, a half-received line is read again next time.
   * `error`: the transport broke; what was not delivered is dropped, since the reconnect reads it again.
   */
  private async finish(how: 'end' | 'stop' | 'error'): Promise<void> {
    this.clock.clearTimeout(this.idleTimer);
    if (how === 'end') {
      if (this.carry) this.segment('stdout', this.carry, true);
      for (const [stream, p] of [...this.partials]) {
        this.partials.delete(stream);
        this.line(stream, p);
      }
    }
    this.carry = null;
    this.partials.clear();
    if (how === 'error') {
      this.joiner.flush();
      this.meta.clear();
      this.out = [];
      this.joinStream = null;
      return;
    }
    this.collect(this.joiner.flush());
    this.joinStream = null;
    await this.deliver();
  }
}
