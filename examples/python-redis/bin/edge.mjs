// A reverse proxy in front of the web app; /edge-health is its own.
import http from 'node:http';

const upstream = Number(process.env.WEB_PORT);
http
  .createServer((req, res) => {
    if (req.url === '/edge-health') return res.end('ok');
    const p = http.request(
      {
        host: '127.0.0.1',
        port: upstream,
        path: req.url,
        method: req.method,
        headers: req.headers,
        timeout: 2000,
      },
      (u) => {
        res.writeHead(u.statusCode ?? 502, u.headers);
        u.pipe(res);
      },
    );
    p.on('error', () => {
      res.statusCode = 502;
      res.end('bad gateway');
    });
    p.on('timeout', () => p.destroy(new Error('timeout')));
    req.pipe(p);
  })
  .listen(Number(process.env.PORT), '127.0.0.1');
