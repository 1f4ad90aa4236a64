/** HTTP from tests where fetch will not do: any Host header, raw sockets that send half a request. */
import http from 'node:http';
import net from 'node:net';

export interface RawAnswer {
  status: number;
  headers: http.IncomingHttpHeaders;
  body: string;
}

/** One request with whatever headers the test likes (fetch refuses to set Host). */
export function request(
  url: string,
  o: { method?: string; headers?: Record<string, string>; body?: string } = {},
): Promise<RawAnswer> {
  return new Promise((resolve, reject) => {
    const req = http.request(url, { method: o.method ?? 'GET', headers: o.headers, agent: false }, (res) => {
      let body = '';
      res.setEncoding('utf8');
      res.on('data', (c: string) => {
        body += c;
      });
      res.on('end', () => resolve({ status: res.statusCode ?? 0, headers: res.headers, body }));
    });
    req.on('error', reject);
    req.end(o.body);
  });
}

/**
 * Opens a socket, writes `text`, and resolves with what came back when the server closed it, when `until` says
 * the answer is complete, or after `ms`.
 */
export function rawExchange(
  url: string,
  text: string,
  ms: number,
  until: (data: string) => boolean = () => false,
): Promise<{ data: string; closedByServer: boolean; afterMs: number }> {
  const { hostname, port } = new URL(url);
  const t0 = performance.now();
  return new Promise((resolve) => {
    const sock = net.connect(Number(port), hostname, () => sock.write(text));
    let data = '';
    let done = false;
    const finish = (closedByServer: boolean) => {
      if (done) return;
      done = true;
      clearTimeout(timer);
      sock.destroy();
      resolve({ data, closedByServer, afterMs: performance.now() - t0 });
    };
    const timer = setTimeout(() => finish(false), ms);
    sock.on('data', (c) => {
      data += c.toString('utf8');
      if (until(data)) finish(false);
    });
    sock.on('close', () => finish(true));
    sock.on('error', () => finish(true));
  });
}
