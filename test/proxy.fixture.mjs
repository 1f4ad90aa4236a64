// A small reverse proxy for tests: /live answers by itself, /health asks the upstream's /health.
// PORT: where it listens; UPSTREAM: the upstream's origin (http://127.0.0.1:PORT).
import http from 'node:http';

const port = Number(process.env.PORT);
const upstream = process.env.UPSTREAM;

http
  .createServer(async (req, res) => {
    if (req.url === '/live') {
      res.end('ok');
      return;
    }
    try {
      const answer = await fetch(`${upstream}${req.url}`, { signal: AbortSignal.timeout(1_000) });
      res.statusCode = answer.status;
      res.end(await answer.text());
    } catch (err) {
      res.statusCode = 502;
      res.end(`upstream: ${err.message}`);
    }
  })
  .listen(port, '127.0.0.1');
