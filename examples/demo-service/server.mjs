#!/usr/bin/env node
// The demo HTTP service Medic supervises in the examples and drills. Plain node:http, no dependencies, so it
// runs anywhere Node does. Faults are switched on over HTTP (POST /fault/<name>) to simulate real failures.
import { appendFileSync } from 'node:fs';
import { createServer } from 'node:http';

const env = process.env;
const PORT = Number(env.PORT ?? 8080);
const HOST = env.HOST ?? '127.0.0.1';
const STARTUP_DELAY_MS = Number(env.STARTUP_DELAY_MS ?? 0);
const SHUTDOWN_DELAY_MS = Number(env.SHUTDOWN_DELAY_MS ?? 0);
const startedAt = Date.now();

const log = (msg) =>
  process.stdout.write(`${new Date().toISOString()} demo-service[${process.pid}] ${msg}\n`);
const logError = (msg) =>
  process.stderr.write(`${new Date().toISOString()} demo-service[${process.pid}] ${msg}\n`);

/** Fault switches; `reset` puts every one back to these values. */
const faults = { hang: false, slowMs: 0, errorsLeft: 0, leakMbPerS: 0 };
let leakTimer = null;
const leaked = [];

// Recorded before FAIL_ON_START so a crash loop's restarts can be counted too.
if (env.STATE_FILE) {
  appendFileSync(env.STATE_FILE, `${JSON.stringify({ event: 'start', pid: process.pid, at: Date.now() })}\n`);
}
if (env.FAIL_ON_START === '1') {
  logError('FAIL_ON_START=1: exiting with code 1');
  process.exit(1);
}

const send = (res, status, body) => {
  res.writeHead(status, { 'content-type': 'application/json' });
  res.end(JSON.stringify(body));
};

/** Whether this request consumes one of the queued errors (only the routes a probe or client would hit). */
const takeError = () => {
  if (faults.errorsLeft <= 0) return false;
  faults.errorsLeft--;
  return true;
};

function startLeak(mbPerS) {
  clearInterval(leakTimer);
  faults.leakMbPerS = mbPerS;
  // Ten allocations a second keep growth smooth; Buffer.alloc zero-fills, so the pages are really resident.
  const perTick = Math.max(1, Math.round((mbPerS * 1024 * 1024) / 10));
  leakTimer = setInterval(() => leaked.push(Buffer.alloc(perTick, 1)), 100);
}

function reset() {
  clearInterval(leakTimer);
  leakTimer = null;
  leaked.length = 0;
  Object.assign(faults, { hang: false, slowMs: 0, errorsLeft: 0, leakMbPerS: 0 });
}

function numberParam(url, name, fallback) {
  const raw = url.searchParams.get(name);
  const n = raw === null ? fallback : Number(raw);
  return Number.isFinite(n) && n >= 0 ? n : fallback;
}

/** POST /fault/<name>: answers 200 with the switches now in force. */
function fault(name, url, res) {
  switch (name) {
    case 'crash': {
      const kill = url.searchParams.get('mode') === 'kill';
      log(`fault crash (${kill ? 'SIGKILL' : 'exit 1'})`);
      res.on('finish', () => (kill ? process.kill(process.pid, 'SIGKILL') : process.exit(1)));
      return send(res, 200, { fault: 'crash', mode: kill ? 'kill' : 'exit' });
    }
    case 'hang':
      faults.hang = true;
      break;
    case 'slow':
      faults.slowMs = numberParam(url, 'ms', 2000);
      break;
    case 'errors':
      faults.errorsLeft = Math.floor(numberParam(url, 'count', 50));
      break;
    case 'leak':
      startLeak(numberParam(url, 'mb_per_s', 20));
      break;
    case 'reset':
      reset();
      break;
    default:
      return send(res, 404, { error: `unknown fault "${name}"` });
  }
  log(`fault ${name} ${JSON.stringify(faults)}`);
  return send(res, 200, { fault: name, faults });
}

function route(req, res, url) {
  const path = url.pathname;
  if (path.startsWith('/fault/')) {
    if (req.method !== 'POST') return send(res, 405, { error: 'use POST' });
    return fault(path.slice('/fault/'.length), url, res);
  }
  if (req.method !== 'GET' && req.method !== 'HEAD') return send(res, 405, { error: 'use GET' });
  if (path === '/health') {
    return takeError() ? send(res, 500, { status: 'error' }) : send(res, 200, { status: 'ok' });
  }
  if (path === '/api/work') {
    if (takeError()) return send(res, 500, { error: 'simulated failure' });
    let x = 0;
    for (let i = 0; i < 10_000; i++) x = (x * 31 + i) % 1_000_003;
    return send(res, 200, { result: x });
  }
  if (path === '/') {
    const rssMb = Math.round(process.memoryUsage().rss / 1024 / 1024);
    return send(res, 200, {
      service: 'demo-service',
      message: 'hello',
      pid: process.pid,
      uptimeMs: Date.now() - startedAt,
      rssMb,
      faults,
    });
  }
  return send(res, 404, { error: 'not found' });
}

const server = createServer((req, res) => {
  const started = Date.now();
  const url = new URL(req.url ?? '/', 'http://localhost');
  // A hung process accepts connections but never answers anything, as a deadlocked one would.
  if (faults.hang) return;
  res.on('finish', () => log(`${req.method} ${req.url} ${res.statusCode} ${Date.now() - started}ms`));
  // Fault switches are not slowed down, so a drill can always reset a slow service promptly.
  const delay = url.pathname.startsWith('/fault/') ? 0 : faults.slowMs;
  const run = () => {
    try {
      route(req, res, url);
    } catch (err) {
      logError(`error handling ${req.method} ${req.url}: ${err?.stack ?? err}`);
      if (!res.headersSent) send(res, 500, { error: 'internal error' });
    }
  };
  if (delay > 0) setTimeout(run, delay);
  else run();
});

server.on('error', (err) => {
  logError(`server error: ${err.message}`);
  process.exit(1);
});

let stopping = false;
function shutdown(signal) {
  if (stopping) return;
  stopping = true;
  log(`${signal}: stopping${SHUTDOWN_DELAY_MS ? ` in ${SHUTDOWN_DELAY_MS}ms` : ''}`);
  setTimeout(() => {
    reset();
    server.close(() => {
      log('stopped');
      process.exit(0);
    });
    // Hung requests and keep-alive sockets would otherwise hold close() open forever.
    server.closeAllConnections();
  }, SHUTDOWN_DELAY_MS);
}
process.on('SIGTERM', () => shutdown('SIGTERM'));
process.on('SIGINT', () => shutdown('SIGINT'));

setTimeout(() => {
  if (stopping) return;
  server.listen(PORT, HOST, () => log(`listening on http://${HOST}:${PORT}`));
}, STARTUP_DELAY_MS);
