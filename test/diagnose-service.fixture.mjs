// A small service for test/diagnose-causes.test.ts: MODE picks how it misbehaves, PORT where it listens.
import { mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import http from 'node:http';
import https from 'node:https';
import net from 'node:net';
import path from 'node:path';

const { MODE = 'ok', PORT, AFTER_MS = '800', DATA_DIR, UPSTREAM, CERT, KEY, SETTINGS } = process.env;
const after = Number(AFTER_MS);
let failing = false;
setTimeout(() => {
  failing = true;
}, after);

// Alive until stopped, whatever the mode leaves running.
setInterval(() => {}, 60_000);

const answer = (res, code, text) => {
  res.writeHead(code, { 'content-type': 'text/plain' });
  res.end(text);
};

// MODE=settings: its settings file (SETTINGS, JSON with a positive `workers`) re-read every 200 ms; its
// requests fail while the file is broken.
let settingsOk = true;
if (MODE === 'settings') {
  const read = () => {
    try {
      settingsOk = JSON.parse(readFileSync(SETTINGS, 'utf8')).workers > 0;
    } catch {
      settingsOk = false;
    }
    if (!settingsOk) console.error(`settings ${SETTINGS}: workers must be a positive number`);
  };
  read();
  setInterval(read, 200);
}

function handler(_req, res) {
  if (MODE === 'settings' && !settingsOk) {
    answer(res, 500, 'bad settings');
    return;
  }
  if (MODE === 'errors' && failing) {
    answer(res, 500, 'error');
    return;
  }
  if (MODE === 'ratelimit' && failing) {
    answer(res, Number(process.env.FAIL_STATUS ?? 503), 'upstream refuses us');
    return;
  }
  if (MODE === 'dbclient') {
    const s = net.connect(Number(UPSTREAM), '127.0.0.1');
    s.once('connect', () => {
      s.destroy();
      answer(res, 200, 'ok');
    });
    s.once('error', (err) => {
      console.error(`db query failed: ${err.message}`);
      answer(res, 503, 'no database');
    });
    return;
  }
  if (MODE === 'proxy') {
    const up = http.get({ host: '127.0.0.1', port: Number(UPSTREAM), path: '/health', timeout: 200 }, (r) => {
      r.resume();
      answer(res, r.statusCode ?? 502, 'proxied');
    });
    up.once('timeout', () => up.destroy(new Error('upstream timed out')));
    up.once('error', (err) => {
      console.error(`upstream: ${err.message}`);
      answer(res, 504, 'gateway timeout');
    });
    return;
  }
  answer(res, 200, 'ok');
}

if (MODE === 'crash') {
  console.log('starting');
  setTimeout(() => {
    console.error("Error: settings key 'listen' is missing");
    console.error('    at boot (service.mjs:12:9)');
    process.exit(3);
  }, after);
} else if (MODE === 'https') {
  https
    .createServer({ cert: readFileSync(CERT), key: readFileSync(KEY) }, handler)
    .listen(Number(PORT), '127.0.0.1');
} else if (PORT) {
  http.createServer(handler).listen(Number(PORT), '127.0.0.1');
}

if (MODE === 'leak') {
  // Keeps what it allocates, touched so that it is resident: resident memory climbs until it is killed.
  const kept = [];
  setInterval(() => kept.push(Buffer.alloc(2 * 1024 * 1024, 1)), 100);
}
if (MODE === 'fill') {
  // A runaway writer: a megabyte a tick into its data directory, up to a bound so the test disk is safe.
  const spool = path.join(DATA_DIR, 'spool');
  mkdirSync(spool, { recursive: true });
  let n = 0;
  const t = setInterval(() => {
    writeFileSync(path.join(spool, `${n++}.bin`), Buffer.alloc(1024 * 1024, 7));
    if (n >= 12) clearInterval(t);
  }, 100);
}
// LINES_AFTER_MS: when the error (or 429) lines begin, before the failing answers (the errors are logged first,
// as they would be) or after them (the evidence comes after the failure).
const linesAfter = Number(process.env.LINES_AFTER_MS ?? AFTER_MS);
if (MODE === 'errors') {
  let n = 0;
  let erring = false;
  setTimeout(() => {
    erring = true;
  }, linesAfter);
  setInterval(() => {
    if (erring) console.error(`ERROR order ${n++} failed: payment backend answered garbage`);
    else console.log(`order ${n++} done`);
  }, 20);
}
if (MODE === 'ratelimit') {
  let n = 0;
  setTimeout(() => {
    setInterval(() => {
      console.error(`partner API answered 429 Too Many Requests (attempt ${n++})`);
    }, 100);
  }, linesAfter);
}
