#!/usr/bin/env node
// The demo HTTP service Medic supervises in the examples and drills. Plain node:http, no dependencies, so it
// runs anywhere Node does. Faults are switched on over HTTP (POST /fault/<name>) to simulate real failures.
import {
  appendFileSync,
  existsSync,
  mkdirSync,
  readdirSync,
  readFileSync,
  statSync,
  writeFileSync,
} from 'node:fs';
import { createServer } from 'node:http';
import net from 'node:net';
import { join } from 'node:path';

const env = process.env;
const PORT = Number(env.PORT ?? 8080);
const HOST = env.HOST ?? '127.0.0.1';
const STARTUP_DELAY_MS = Number(env.STARTUP_DELAY_MS ?? 0);
const SHUTDOWN_DELAY_MS = Number(env.SHUTDOWN_DELAY_MS ?? 0);
// How long a start keeps retrying a port another process holds (default 0: fail at once, exit 1).
const LISTEN_RETRY_MS = Number(env.LISTEN_RETRY_MS ?? 0);
const startedAt = Date.now();

const log = (msg) =>
  process.stdout.write(`${new Date().toISOString()} demo-service[${process.pid}] ${msg}\n`);
const logError = (msg) =>
  process.stderr.write(`${new Date().toISOString()} demo-service[${process.pid}] ${msg}\n`);

/** Fault switches; `reset` puts every one back to these values. */
const faults = { hang: false, slowMs: 0, errorsLeft: 0, leakMbPerS: 0, fillMbPerS: 0 };
let leakTimer = null;
let fillTimer = null;
const leaked = [];
const counters = { requests: 0, errors: 0 };

// Recorded before FAIL_ON_START so a crash loop's restarts can be counted too.
if (env.STATE_FILE) {
  appendFileSync(env.STATE_FILE, `${JSON.stringify({ event: 'start', pid: process.pid, at: Date.now() })}\n`);
}
// A release with a bug on demand: every /health answers 500 (the bad-deploy drill ships it in a release's env).
const FAIL_HEALTH = env.FAIL_HEALTH === '1';
if (env.FAIL_ON_START === '1') {
  logError('FAIL_ON_START=1: exiting with code 1');
  process.exit(1);
}

// DATA_DIR: where the service keeps its files (spool/ for the disk-fill switch, the crash-loop counter, its
// cache).
const DATA_DIR = env.DATA_DIR || null;
if (DATA_DIR) mkdirSync(join(DATA_DIR, 'spool'), { recursive: true });
// A crash loop on demand: while DATA_DIR/crash-on-start holds a number above 0, each start decrements it and
// exits with code 1, as a service whose start-up fails a few times (a dependency not ready yet) would.
if (DATA_DIR) {
  const file = join(DATA_DIR, 'crash-on-start');
  const left = existsSync(file) ? Number(readFileSync(file, 'utf8').trim()) : 0;
  if (Number.isFinite(left) && left > 0) {
    writeFileSync(file, String(left - 1));
    logError(`crash-on-start: failing this start (${left - 1} more to fail)`);
    process.exit(1);
  }
}
// Its warm cache (DATA_DIR/cache.json), read at start: a corrupt one makes every start die, as a real
// service's would, until someone (a playbook) clears it. A missing one is rebuilt.
if (DATA_DIR) {
  const file = join(DATA_DIR, 'cache.json');
  if (existsSync(file)) {
    try {
      JSON.parse(readFileSync(file, 'utf8'));
    } catch (err) {
      logError(`FATAL cannot load cache ${file}: ${err.message}`);
      process.exit(1);
    }
  } else {
    writeFileSync(file, `${JSON.stringify({ warmedAt: new Date().toISOString(), entries: {} })}\n`);
  }
}

// ---------------------------------------------------------------------------------------------------------
// CONFIG_FILE: a JSON file of settings, re-read when it changes. A broken file (not JSON, or a value out of
// range) makes /api/work fail and /health/config answer 500 until it is fixed; the last good settings stay
// out of use, as a service that reloads a bad config would really behave.
const DEFAULT_SETTINGS = { greeting: 'hello', work_iterations: 10_000, cache_ttl_s: 60 };
const config = { file: env.CONFIG_FILE || null, mtimeMs: -1, settings: DEFAULT_SETTINGS, error: null };

function validSettings(v) {
  if (!v || typeof v !== 'object' || Array.isArray(v)) return 'not a JSON object';
  if (!Number.isInteger(v.work_iterations) || v.work_iterations < 1 || v.work_iterations > 1_000_000)
    return 'work_iterations must be an integer in 1..1000000';
  if (!Number.isInteger(v.cache_ttl_s) || v.cache_ttl_s < 1) return 'cache_ttl_s must be a positive integer';
  if (typeof v.greeting !== 'string') return 'greeting must be a string';
  return null;
}

function loadConfig() {
  if (!config.file) return;
  let st;
  try {
    st = statSync(config.file);
  } catch {
    if (config.mtimeMs === -1) {
      writeFileSync(config.file, `${JSON.stringify(DEFAULT_SETTINGS, null, 2)}\n`);
      log(`config ${config.file} written with the defaults`);
      return loadConfig();
    }
    config.error = `${config.file} is missing`;
    return;
  }
  if (st.mtimeMs === config.mtimeMs) return;
  config.mtimeMs = st.mtimeMs;
  try {
    const v = JSON.parse(readFileSync(config.file, 'utf8'));
    const why = validSettings(v);
    if (why) throw new Error(why);
    config.settings = v;
    if (config.error) log(`config ${config.file} is valid again`);
    config.error = null;
  } catch (err) {
    config.error = `invalid config ${config.file}: ${err.message}`;
    logError(config.error);
  }
}
loadConfig();
if (config.file) setInterval(loadConfig, 250).unref();

// ---------------------------------------------------------------------------------------------------------
// REDIS_URL: a plain RESP client over node:net, one connection, commands pipelined in order.
class Redis {
  constructor(url) {
    const u = new URL(url);
    this.host = u.hostname || '127.0.0.1';
    this.port = Number(u.port || 6379);
    this.password = u.password ? decodeURIComponent(u.password) : null;
    this.socket = null;
    this.pending = [];
    this.buf = Buffer.alloc(0);
  }

  connect() {
    if (this.socket) return;
    const socket = net.createConnection({ host: this.host, port: this.port });
    socket.setNoDelay(true);
    this.socket = socket;
    this.buf = Buffer.alloc(0);
    socket.on('data', (chunk) => this.onData(chunk));
    const fail = (err) => {
      if (this.socket !== socket) return;
      this.socket = null;
      socket.destroy();
      for (const p of this.pending.splice(0)) p.reject(err ?? new Error('redis connection closed'));
    };
    socket.on('error', fail);
    socket.on('close', () => fail(new Error('redis connection closed')));
    if (this.password) this.send(['AUTH', this.password], 1000).catch(() => {});
  }

  send(args, timeoutMs = 500) {
    this.connect();
    const socket = this.socket;
    return new Promise((resolve, reject) => {
      const timer = setTimeout(() => {
        if (this.socket === socket) socket.destroy(new Error(`redis: no answer within ${timeoutMs} ms`));
      }, timeoutMs);
      const done = (fn) => (v) => {
        clearTimeout(timer);
        fn(v);
      };
      this.pending.push({ resolve: done(resolve), reject: done(reject) });
      let out = `*${args.length}\r\n`;
      for (const a of args) out += `$${Buffer.byteLength(String(a))}\r\n${a}\r\n`;
      socket.write(out);
    });
  }

  onData(chunk) {
    this.buf = this.buf.length ? Buffer.concat([this.buf, chunk]) : chunk;
    for (;;) {
      const r = parseReply(this.buf, 0);
      if (!r) return;
      this.buf = this.buf.subarray(r.end);
      const p = this.pending.shift();
      if (!p) continue;
      if (r.value instanceof Error) p.reject(r.value);
      else p.resolve(r.value);
    }
  }

  close() {
    this.socket?.destroy();
    this.socket = null;
  }
}

/** One RESP reply from `buf` at `at`: { value, end }, or null while incomplete. */
function parseReply(buf, at) {
  const eol = buf.indexOf('\r\n', at);
  if (eol < 0) return null;
  const type = String.fromCharCode(buf[at]);
  const line = buf.toString('utf8', at + 1, eol);
  const next = eol + 2;
  if (type === '+') return { value: line, end: next };
  if (type === '-') return { value: new Error(`redis: ${line}`), end: next };
  if (type === ':') return { value: Number(line), end: next };
  if (type === '$') {
    const n = Number(line);
    if (n < 0) return { value: null, end: next };
    if (buf.length < next + n + 2) return null;
    return { value: buf.toString('utf8', next, next + n), end: next + n + 2 };
  }
  if (type === '*') {
    const n = Number(line);
    if (n < 0) return { value: null, end: next };
    const items = [];
    let end = next;
    for (let i = 0; i < n; i++) {
      const r = parseReply(buf, end);
      if (!r) return null;
      items.push(r.value);
      end = r.end;
    }
    return { value: items, end };
  }
  return { value: new Error(`redis: unexpected reply type ${type}`), end: next };
}

const redis = env.REDIS_URL ? new Redis(env.REDIS_URL) : null;

// ---------------------------------------------------------------------------------------------------------
// DATABASE_URL: PostgreSQL through the `pg` package (loaded only when the variable is set).
let db = null;
if (env.DATABASE_URL) {
  const { default: pg } = await import('pg');
  db = new pg.Pool({
    connectionString: env.DATABASE_URL,
    max: 4,
    connectionTimeoutMillis: 1000,
    idleTimeoutMillis: 10_000,
    query_timeout: 1000,
  });
  db.on('error', (err) => logError(`database: ${err.message}`));
}
let schemaReady = false;
async function ensureSchema() {
  if (schemaReady) return;
  await db.query(
    'CREATE TABLE IF NOT EXISTS work_counter (id int PRIMARY KEY, n bigint NOT NULL); ' +
      'INSERT INTO work_counter (id, n) VALUES (1, 0) ON CONFLICT (id) DO NOTHING',
  );
  schemaReady = true;
}

/** Each dependency's state: "ok", or why not. */
async function dependencies() {
  const out = {};
  const jobs = [];
  if (db)
    jobs.push(
      db.query('SELECT 1').then(
        () => (out.db = 'ok'),
        (err) => (out.db = `down: ${err.message}`),
      ),
    );
  if (redis)
    jobs.push(
      redis.send(['PING']).then(
        (v) => (out.cache = v === 'PONG' ? 'ok' : `unexpected answer ${v}`),
        (err) => (out.cache = `down: ${err.message}`),
      ),
    );
  await Promise.all(jobs);
  return out;
}

/** Bytes under DATA_DIR (a shallow walk: the spool and top-level files). */
function dataDirBytes() {
  if (!DATA_DIR) return 0;
  let total = 0;
  const walk = (dir, depth) => {
    for (const e of readdirSync(dir, { withFileTypes: true })) {
      const p = join(dir, e.name);
      try {
        if (e.isDirectory() && depth < 3) walk(p, depth + 1);
        else if (e.isFile()) total += statSync(p).size;
      } catch {
        // Removed while we looked.
      }
    }
  };
  try {
    walk(DATA_DIR, 0);
  } catch {
    return 0;
  }
  return total;
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

/** A runaway writer: appends `mbPerS` MB a second to a file in DATA_DIR/spool until reset or restart. */
function startFill(mbPerS) {
  if (!DATA_DIR) throw new Error('fill needs DATA_DIR');
  clearInterval(fillTimer);
  faults.fillMbPerS = mbPerS;
  const file = join(DATA_DIR, 'spool', `fill-${process.pid}.bin`);
  const chunk = Buffer.alloc(Math.max(1, Math.round((mbPerS * 1024 * 1024) / 10)), 7);
  fillTimer = setInterval(() => {
    try {
      appendFileSync(file, chunk);
    } catch (err) {
      logError(`spool write failed: ${err.message}`);
    }
  }, 100);
}

function reset() {
  clearInterval(leakTimer);
  clearInterval(fillTimer);
  leakTimer = null;
  fillTimer = null;
  leaked.length = 0;
  Object.assign(faults, { hang: false, slowMs: 0, errorsLeft: 0, leakMbPerS: 0, fillMbPerS: 0 });
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
    case 'fill':
      if (!DATA_DIR) return send(res, 409, { error: 'fill needs DATA_DIR' });
      startFill(numberParam(url, 'mb_per_s', 5));
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

async function route(req, res, url) {
  const path = url.pathname;
  if (path.startsWith('/fault/')) {
    if (req.method !== 'POST') return send(res, 405, { error: 'use POST' });
    return fault(path.slice('/fault/'.length), url, res);
  }
  if (req.method !== 'GET' && req.method !== 'HEAD') return send(res, 405, { error: 'use GET' });
  if (path === '/health') {
    if (FAIL_HEALTH) return send(res, 500, { status: 'error', error: 'FAIL_HEALTH=1' });
    if (takeError()) return send(res, 500, { status: 'error' });
    // With dependencies configured, /health is only "ok" when each of them answers.
    const deps = await dependencies();
    const failing = Object.entries(deps).filter(([, v]) => v !== 'ok');
    if (failing.length > 0) {
      logError(`health: ${failing.map(([k, v]) => `${k} ${v}`).join('; ')}`);
      return send(res, 503, { status: 'error', ...deps });
    }
    return send(res, 200, { status: 'ok', ...deps });
  }
  if (path === '/health/config') {
    return config.error
      ? send(res, 500, { status: 'error', config: config.error })
      : send(res, 200, { status: 'ok', config: config.file ?? 'defaults' });
  }
  if (path === '/metrics') {
    res.writeHead(200, { 'content-type': 'text/plain; version=0.0.4' });
    res.end(
      [
        '# TYPE demo_rss_bytes gauge',
        `demo_rss_bytes ${process.memoryUsage().rss}`,
        '# TYPE demo_data_dir_bytes gauge',
        `demo_data_dir_bytes ${dataDirBytes()}`,
        '# TYPE demo_requests_total counter',
        `demo_requests_total ${counters.requests}`,
        '# TYPE demo_errors_total counter',
        `demo_errors_total ${counters.errors}`,
        '',
      ].join('\n'),
    );
    return;
  }
  if (path === '/api/work') {
    if (takeError()) {
      logError('ERROR work failed: simulated failure');
      return send(res, 500, { error: 'simulated failure' });
    }
    if (config.error) {
      logError(`ERROR work failed: ${config.error}`);
      return send(res, 500, { error: config.error });
    }
    let x = 0;
    for (let i = 0; i < config.settings.work_iterations; i++) x = (x * 31 + i) % 1_000_003;
    const out = { result: x };
    try {
      if (db) {
        await ensureSchema();
        const r = await db.query('UPDATE work_counter SET n = n + 1 WHERE id = 1 RETURNING n');
        out.done = Number(r.rows[0]?.n ?? 0);
      }
      if (redis) {
        out.cached = (await redis.send(['INCR', 'demo:work'])) ?? 0;
        await redis.send(['EXPIRE', 'demo:work', config.settings.cache_ttl_s]);
      }
    } catch (err) {
      logError(`ERROR work failed: ${err.message}`);
      return send(res, 503, { error: err.message });
    }
    return send(res, 200, out);
  }
  if (path === '/') {
    const rssMb = Math.round(process.memoryUsage().rss / 1024 / 1024);
    return send(res, 200, {
      service: 'demo-service',
      message: config.settings.greeting,
      pid: process.pid,
      uptimeMs: Date.now() - startedAt,
      rssMb,
      faults,
    });
  }
  return send(res, 404, { error: 'not found' });
}

const QUIET_PATHS = new Set(
  (env.QUIET_PATHS ?? '')
    .split(',')
    .map((p) => p.trim())
    .filter(Boolean),
);

const server = createServer((req, res) => {
  const started = Date.now();
  const url = new URL(req.url ?? '/', 'http://localhost');
  // A hung process accepts connections but never answers anything, as a deadlocked one would.
  if (faults.hang) return;
  counters.requests++;
  res.on('finish', () => {
    if (res.statusCode >= 500) counters.errors++;
    // Probes and scrapes would drown the log: only work and fault switches are logged.
    if (QUIET_PATHS.has(url.pathname)) return;
    log(`${req.method} ${req.url} ${res.statusCode} ${Date.now() - started}ms`);
  });
  // Fault switches are not slowed down, so a drill can always reset a slow service promptly.
  const delay = url.pathname.startsWith('/fault/') ? 0 : faults.slowMs;
  const run = () => {
    route(req, res, url).catch((err) => {
      logError(`error handling ${req.method} ${req.url}: ${err?.stack ?? err}`);
      if (!res.headersSent) send(res, 500, { error: 'internal error' });
    });
  };
  if (delay > 0) setTimeout(run, delay);
  else run();
});

let busySince = null;
let retryLogged = false;
server.on('error', (err) => {
  if (err.code === 'EADDRINUSE' && !server.listening && LISTEN_RETRY_MS > 0) {
    busySince ??= Date.now();
    if (Date.now() - busySince < LISTEN_RETRY_MS) {
      if (!retryLogged) log(`port ${PORT} busy: retrying for up to ${LISTEN_RETRY_MS}ms`);
      retryLogged = true;
      setTimeout(() => server.listen(PORT, HOST), 5);
      return;
    }
  }
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
    redis?.close();
    server.close(() => {
      log('stopped');
      if (db) db.end().finally(() => process.exit(0));
      else process.exit(0);
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
