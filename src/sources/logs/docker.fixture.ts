/**
 * A Docker Engine API server for tests (not part of the build): `GET /containers/{id}/json` and
 * `GET /containers/{id}/logs` over a unix socket, answering as dockerd does. A container's log is a list of
 * writes; each is sent as one frame (8-byte header: stream, three zeros, big-endian length) or, for a TTY
 * container, as raw bytes. `since` is applied by whole seconds and `stdout`/`stderr` like dockerd's booleans.
 * Followers stay open while the container runs; `chunkBytes` cuts what is sent into pieces written one event
 * loop turn apart, so frames arrive split across chunks.
 */
import http from 'node:http';

export type Stream = 'stdout' | 'stderr';

export interface Write {
  stream: Stream;
  /** Stamp of the write's first line: what `since` compares. */
  time: string;
  payload: Buffer;
}

export interface FakeContainer {
  id: string;
  tty: boolean;
  running: boolean;
  log: Write[];
  /** Size of the pieces the bytes are written in (0: each write whole). */
  chunkBytes: number;
}

interface Follower {
  res: http.ServerResponse;
  container: FakeContainer;
  stdout: boolean;
  stderr: boolean;
  /** Writes go out one after another even when a test appends while a previous one is being cut. */
  sending: Promise<void>;
}

/** One line as Docker sends it with timestamps=1: `<RFC 3339 nano> <text>\n`. */
export function stamped(time: string, text: string, eol = '\n'): string {
  return `${time} ${text}${eol}`;
}

/** Docker's frame: the payload behind its 8-byte header. */
export function frame(stream: Stream | 'stdin', payload: Buffer): Buffer {
  const h = Buffer.alloc(8);
  h[0] = stream === 'stdin' ? 0 : stream === 'stdout' ? 1 : 2;
  h.writeUInt32BE(payload.length, 4);
  return Buffer.concat([h, payload]);
}

/** dockerd's reading of a boolean query parameter. */
function boolValue(v: string | null): boolean {
  return v !== null && v !== '' && !['0', 'no', 'false', 'none'].includes(v.toLowerCase());
}

export class FakeDockerd {
  readonly requests: { path: string; query: Record<string, string> }[] = [];
  readonly containers = new Map<string, FakeContainer>();
  private readonly followers = new Set<Follower>();
  private server: http.Server | null = null;

  constructor(readonly socketPath: string) {}

  add(id: string, c: Partial<Omit<FakeContainer, 'id'>> = {}): FakeContainer {
    const container: FakeContainer = { id, tty: false, running: true, log: [], chunkBytes: 0, ...c };
    this.containers.set(id, container);
    return container;
  }

  async listen(): Promise<void> {
    const server = http.createServer((req, res) => this.handle(req, res));
    await new Promise<void>((r) => server.listen(this.socketPath, r));
    this.server = server;
  }

  /** Stops answering: followers are cut (no final chunk), the socket goes away. */
  async close(): Promise<void> {
    const server = this.server;
    if (!server) return;
    this.server = null;
    for (const f of this.followers) f.res.destroy();
    this.followers.clear();
    server.closeAllConnections();
    await new Promise((r) => server.close(r));
  }

  /** Appends writes to the container's log and sends them to its followers. */
  async append(id: string, ...writes: Write[]): Promise<void> {
    const c = this.containers.get(id);
    if (!c) throw new Error(`no container ${id}`);
    c.log.push(...writes);
    const sends: Promise<void>[] = [];
    for (const f of this.followers) {
      if (f.container !== c) continue;
      f.sending = f.sending.then(() => this.send(f, writes));
      sends.push(f.sending);
    }
    await Promise.all(sends);
  }

  /** The container stops: every follow ends the way dockerd ends it (the response completes). */
  async stop(id: string): Promise<void> {
    const c = this.containers.get(id);
    if (!c) return;
    c.running = false;
    for (const f of [...this.followers]) {
      if (f.container !== c) continue;
      this.followers.delete(f);
      await f.sending;
      f.res.end();
    }
  }

  followerCount(id: string): number {
    return [...this.followers].filter((f) => f.container.id === id).length;
  }

  private handle(req: http.IncomingMessage, res: http.ServerResponse): unknown {
    const url = new URL(req.url ?? '/', 'http://docker');
    const path = url.pathname.replace(/^\/v\d+\.\d+/, '');
    this.requests.push({ path, query: Object.fromEntries(url.searchParams) });
    const json = (code: number, body: unknown) => {
      res.writeHead(code, { 'content-type': 'application/json' });
      res.end(JSON.stringify(body));
    };
    const m = /^\/containers\/([^/]+)\/(json|logs)$/.exec(path);
    if (!m || req.method !== 'GET') return json(404, { message: 'page not found' });
    const c = this.containers.get(m[1] as string);
    if (!c) return json(404, { message: `No such container: ${m[1]}` });
    if (m[2] === 'json')
      return json(200, {
        Id: `${c.id}0123456789`,
        Name: `/${c.id}`,
        Config: { Tty: c.tty },
        State: { Status: c.running ? 'running' : 'exited', Running: c.running },
      });
    const q = url.searchParams;
    const since = q.get('since');
    const sinceSec = since ? Math.floor(Number(since)) : null;
    const f: Follower = {
      res,
      container: c,
      stdout: boolValue(q.get('stdout')),
      stderr: boolValue(q.get('stderr')),
      sending: Promise.resolve(),
    };
    res.writeHead(200, {
      'content-type': c.tty
        ? 'application/vnd.docker.raw-stream'
        : 'application/vnd.docker.multiplexed-stream',
    });
    // Headers now, as dockerd flushes them before the first line.
    res.flushHeaders();
    const history = c.log.filter(
      (w) => sinceSec === null || Math.floor(Date.parse(w.time) / 1000) >= sinceSec,
    );
    f.sending = this.send(f, history);
    if (c.running && boolValue(q.get('follow'))) {
      this.followers.add(f);
      res.on('close', () => this.followers.delete(f));
    } else void f.sending.then(() => res.end());
  }

  private async send(f: Follower, writes: Write[]): Promise<void> {
    const c = f.container;
    const bytes: Buffer[] = [];
    for (const w of writes) {
      if (w.stream === 'stdout' ? !f.stdout : !f.stderr) continue;
      // A TTY has one stream, no frames.
      bytes.push(c.tty ? w.payload : frame(w.stream, w.payload));
    }
    const all = Buffer.concat(bytes);
    if (all.length === 0) return;
    const step = c.chunkBytes > 0 ? c.chunkBytes : all.length;
    for (let i = 0; i < all.length; i += step) {
      if (f.res.destroyed) return;
      f.res.write(all.subarray(i, i + step));
      if (step < all.length) await new Promise((r) => setImmediate(r));
    }
  }
}

/** A write of one line, stamped `time`. */
export function line(stream: Stream, time: string, text: string): Write {
  return { stream, time, payload: Buffer.from(stamped(time, text)) };
}

/** A write of bytes as given: several stamped lines in one frame, or a partial message (no newline). */
export function raw(stream: Stream, time: string, payload: string): Write {
  return { stream, time, payload: Buffer.from(payload) };
}
