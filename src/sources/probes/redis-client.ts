import net from 'node:net';
import tls from 'node:tls';

/**
 * Just enough RESP2 for a health probe: a command out, one reply back. Medic carries no Redis library (not
 * in DESIGN.md's list) and a probe needs only PING, INFO and AUTH, so a hundred lines beat a dependency.
 */
export type Reply = string | number | null | RedisError | Reply[];

/** An error reply (`-OOM command not allowed…`): an answer, not a broken connection. */
export class RedisError extends Error {}

/** One complete reply at `pos`, with where it ends, or undefined while the buffer holds only part of it. */
export function parseReply(buf: Buffer, pos = 0): { value: Reply; end: number } | undefined {
  const eol = buf.indexOf('\r\n', pos);
  if (eol < 0) return undefined;
  const line = buf.toString('utf8', pos + 1, eol);
  const next = eol + 2;
  switch (String.fromCharCode(buf[pos]!)) {
    case '+':
      return { value: line, end: next };
    case '-':
      return { value: new RedisError(line), end: next };
    case ':':
      return { value: Number(line), end: next };
    case '$': {
      const len = Number(line);
      if (len < 0) return { value: null, end: next };
      if (buf.length < next + len + 2) return undefined;
      return { value: buf.toString('utf8', next, next + len), end: next + len + 2 };
    }
    case '*': {
      const n = Number(line);
      if (n < 0) return { value: null, end: next };
      const items: Reply[] = [];
      let at = next;
      for (let i = 0; i < n; i++) {
        const item = parseReply(buf, at);
        if (!item) return undefined;
        items.push(item.value);
        at = item.end;
      }
      return { value: items, end: at };
    }
    default:
      throw new Error(`not a Redis reply: ${JSON.stringify(buf.toString('utf8', pos, eol).slice(0, 40))}`);
  }
}

function encode(args: string[]): string {
  return `*${args.length}\r\n${args.map((a) => `$${Buffer.byteLength(a)}\r\n${a}\r\n`).join('')}`;
}

/** One connection; commands run one at a time (the probe never pipelines). Close it when done. */
export class RedisConnection {
  private buf = Buffer.alloc(0);
  private waiting: { resolve: (r: Reply) => void; reject: (e: Error) => void } | null = null;
  private failure: Error | null = null;

  private constructor(private readonly socket: net.Socket) {
    socket.on('data', (chunk) => {
      this.buf = Buffer.concat([this.buf, chunk]);
      this.drain();
    });
    socket.on('error', (e) => this.fail(e));
    socket.on('close', () => this.fail(new Error('connection closed by the server')));
  }

  /** Connects (TLS for rediss://); rejects on a refused connection or when the signal fires. */
  static open(url: URL, signal: AbortSignal): Promise<RedisConnection> {
    return new Promise((resolve, reject) => {
      const host = url.hostname.replace(/^\[|\]$/g, '') || '127.0.0.1';
      const port = Number(url.port || 6379);
      const secure = url.protocol === 'rediss:';
      const socket = secure
        ? tls.connect({ host, port, servername: net.isIP(host) ? undefined : host })
        : net.connect({ host, port });
      const onAbort = () => {
        socket.destroy();
        reject(signal.reason ?? new Error('aborted'));
      };
      if (signal.aborted) return onAbort();
      signal.addEventListener('abort', onAbort, { once: true });
      socket.once('error', (e) => {
        signal.removeEventListener('abort', onAbort);
        reject(e);
      });
      socket.once(secure ? 'secureConnect' : 'connect', () => {
        signal.removeEventListener('abort', onAbort);
        const conn = new RedisConnection(socket);
        // A hung server (SIGSTOPped: the kernel still accepts) never answers: the signal ends the wait.
        signal.addEventListener('abort', () => conn.fail(signal.reason ?? new Error('aborted')), {
          once: true,
        });
        resolve(conn);
      });
    });
  }

  command(...args: string[]): Promise<Reply> {
    if (this.failure) return Promise.reject(this.failure);
    return new Promise((resolve, reject) => {
      this.waiting = { resolve, reject };
      this.socket.write(encode(args));
    });
  }

  /** Not a polite QUIT: a hung server would never acknowledge it, and the probe must return on time. */
  close(): void {
    this.failure ??= new Error('closed');
    this.socket.destroy();
  }

  private drain(): void {
    if (!this.waiting) return;
    let parsed: ReturnType<typeof parseReply>;
    try {
      parsed = parseReply(this.buf);
    } catch (e) {
      this.fail(e as Error);
      return;
    }
    if (!parsed) return;
    this.buf = this.buf.subarray(parsed.end);
    const w = this.waiting;
    this.waiting = null;
    w.resolve(parsed.value);
  }

  private fail(e: Error): void {
    this.failure ??= e;
    this.socket.destroy();
    const w = this.waiting;
    this.waiting = null;
    w?.reject(this.failure);
  }
}
