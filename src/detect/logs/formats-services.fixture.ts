/**
 * Synthetic logs of application services, in the layouts such software commonly writes (see formats.fixture.ts
 * for how lines are generated): a Java service's log4j/logback messages, a Python web service's, logfmt
 * key=value lines and a consensus coordinator's. Values are invented, from the seeded generator.
 */
import {
  duration,
  email,
  hex32,
  int,
  ipv4,
  type LineKind,
  names,
  type Rng,
  word,
} from './formats.fixture.js';

const ms = (r: Rng) => `${r.int(1, 4000)}ms`;
const seconds = (r: Rng) => `${r.int(1, 90)}.${r.int(100, 999)}`;
const exceptions = [
  'java.net.SocketTimeoutException',
  'java.net.ConnectException',
  'java.io.IOException',
  'java.util.concurrent.TimeoutException',
  'org.example.client.RetryableException',
  'javax.net.ssl.SSLHandshakeException',
];
const upstreams = ['inventory', 'pricing', 'billing', 'catalog', 'shipping', 'accounts'];
const caches = ['productCache', 'priceCache', 'sessionCache', 'userCache', 'stockCache', 'tokenCache'];
const topics = ['orders', 'payments', 'shipments', 'refunds', 'invoices', 'audit', 'stock'];
const ipPort = (r: Rng) => `${ipv4(r)}:${r.int(1024, 65_535)}`;
const apiPath = (r: Rng) =>
  `/api/v${r.int(1, 3)}/${r.pick(['orders', 'users', 'items', 'carts', 'invoices'])}/${r.int(1, 99_999)}`;
const methods = ['GET', 'POST', 'PUT', 'DELETE', 'PATCH'];

/** A Java service (log4j/logback layout; the thread and class are the header's): ids with underscores, object ids. */
export const JAVA_SERVICE: LineKind[] = [
  {
    template: 'Started InventoryApplication in <*> seconds (JVM running for <*>)',
    values: [seconds, seconds],
  },
  {
    template: 'Processing order <*> for customer <*>: items=<*> total=<*> currency=<*>',
    values: [
      (r) => `ord_${r.int(20_000_000, 29_999_999)}_${r.int(1, 999)}`,
      (r) => `cust_${r.hex(10)}`,
      int(1, 40),
      (r) => `${r.int(1, 9999)}.${String(r.int(0, 99)).padStart(2, '0')}`,
      word(['EUR', 'USD', 'GBP', 'SEK', 'JPY', 'CHF']),
    ],
  },
  {
    // An object's default string (`Class@hash`) is one value: the instance, not its class, varies.
    template: 'Pool <*> - Added connection <*>',
    values: [
      word(['orders-db', 'inventory-db', 'audit-db', 'users-db', 'ledger-db']),
      (r) => `org.example.jdbc.PgConnection@${r.hex(r.int(6, 8))}`,
    ],
  },
  {
    template: 'Retrying call to <*> after <*>: attempt <*> of <*>',
    values: [
      (r) => `http://${r.pick(upstreams)}.svc.example.com:8080${apiPath(r)}`,
      word(exceptions),
      int(1, 4),
      word(['5']),
    ],
  },
  {
    template: 'Cache <*> evicted <*> entries in <*> (size=<*>, hitRatio=<*>)',
    values: [word(caches), int(1, 50_000), ms, int(100, 1_000_000), (r) => `0.${r.int(10, 99)}`],
  },
  {
    template: 'Committed offset <*> for partition <*> of topic <*>',
    values: [int(0, 99_999_999), int(0, 11), word(topics)],
  },
  {
    template: 'Request <*> completed: status=<*> duration=<*> user=<*>',
    values: [(r) => `req_${r.hex(16)}`, word(['200', '201', '204', '400', '404', '500']), ms, email],
  },
  {
    template: 'Scheduled task <*> failed with <*>, next run in <*>',
    values: [(r) => `task_${r.int(20_261_201, 20_261_231)}_${r.int(100_000, 999_999)}`, word(exceptions), ms],
  },
];

/** A Python web service: request ids in brackets, access lines with `status: len: time:` fields, task results. */
export const PYTHON_WEB: LineKind[] = [
  {
    template: '[req-<*>] <*> "<*> <*> HTTP/<*>" status: <*> len: <*> time: <*>',
    values: [
      (r) => r.hex(16),
      ipv4,
      word(methods),
      apiPath,
      word(['1.0', '1.1']),
      word(['200', '201', '202', '204', '304', '400', '401', '404', '500']),
      int(0, 90_000),
      (r) => `${r.int(0, 9)}.${String(r.int(0, 9999)).padStart(4, '0')}`,
    ],
  },
  {
    template: 'Booting worker with pid: <*>',
    values: [int(100, 99_999)],
  },
  {
    // A task id is a UUID in brackets after the task's name: both vary.
    template: 'Task <*>[<*>] succeeded in <*>: None',
    values: [
      word(['tasks.send_email', 'tasks.resize_image', 'reports.build', 'billing.charge', 'search.reindex']),
      (r) => `${r.hex(8)}-${r.hex(4)}-4${r.hex(3)}-a${r.hex(3)}-${r.hex(12)}`,
      (r) => `${r.int(0, 9)}.${r.int(1000, 9999)}s`,
    ],
  },
  {
    template: '[req-<*>] Cache miss for key <*>, fetching from <*>',
    values: [
      (r) => r.hex(16),
      (r) =>
        `${r.pick(['user', 'order', 'cart', 'session'])}:${r.int(1, 99_999)}:${r.pick(['profile', 'items', 'state'])}`,
      (r) => `redis://${ipv4(r)}:6379/${r.int(0, 15)}`,
    ],
  },
  {
    template: 'Retrying in <*> seconds (attempt <*>/<*>): <*>',
    values: [
      int(1, 60),
      int(1, 4),
      word(['5']),
      word(['ConnectionError', 'TimeoutError', 'ReadTimeout', 'BrokenPipeError', 'OperationalError']),
    ],
  },
  {
    template: 'User <*> logged in from <*> using <*>',
    values: [email, ipv4, word(['password', 'sso', 'token', 'webauthn', 'otp'])],
  },
];

/** logfmt: every field a `key=value`, the message a quoted `msg`, durations with units. */
export const LOGFMT: LineKind[] = [
  {
    template:
      'level=info msg="request served" method=<*> path=<*> status=<*> duration=<*> bytes=<*> request_id=<*>',
    values: [
      word(methods),
      apiPath,
      word(['200', '201', '204', '302', '404']),
      duration,
      int(0, 2_000_000),
      (r) => r.hex(20),
    ],
  },
  {
    template: 'level=warn msg="slow query" table=<*> rows=<*> elapsed=<*> query_id=<*>',
    values: [
      word(['users', 'orders', 'events', 'sessions', 'invoices', 'items']),
      int(0, 500_000),
      ms,
      int(1, 9_999_999),
    ],
  },
  {
    template:
      'level=error msg="upstream unavailable" upstream=<*> err="dial tcp <*>: connect: connection refused" retry_in=<*>',
    values: [word(upstreams), ipPort, (r) => `${r.int(1, 30)}s`],
  },
  {
    template: 'level=info msg="cache stats" hits=<*> misses=<*> evictions=<*> hit_ratio=<*>',
    values: [int(0, 9_999_999), int(0, 999_999), int(0, 99_999), (r) => `0.${r.int(100, 999)}`],
  },
  {
    template: 'level=debug msg="lease renewed" lease=<*> ttl=<*> holder=<*>',
    values: [(r) => r.hex(16), (r) => `${r.int(5, 60)}s`, word(names)],
  },
  {
    template: 'level=info msg="config reloaded" version=<*> checksum=<*> changed_keys=<*>',
    values: [int(1, 9999), (r) => `sha256:${r.hex(64)}`, int(0, 40)],
  },
];

const peer = (r: Rng) => `${ipv4(r)}:${r.pick(['2888', '3888', '7000'])}`;
const epoch = (r: Rng) => `0x${r.int(1, 255).toString(16)}${r.hex(8)}`;

/** A consensus/cluster coordinator: peers as `host:port`, terms and epochs, zxid-like hex counters, sessions. */
export const COORDINATOR_LOG: LineKind[] = [
  {
    template: 'Starting election for term <*>, last log index <*>, last log term <*>',
    values: [int(1, 9999), int(0, 9_999_999), int(1, 9999)],
  },
  {
    template: 'Received vote from peer <*> for term <*> (granted=<*>)',
    values: [peer, int(1, 9999), word(['true', 'false'])],
  },
  {
    template: 'Leader epoch advanced to <*> (zxid <*>)',
    values: [int(1, 9999), epoch],
  },
  {
    template: 'Snapshotting: <*> to <*>',
    values: [epoch, (r) => `/var/lib/coord/data/version-2/snapshot.${r.int(1, 255).toString(16)}${r.hex(8)}`],
  },
  {
    template: 'Expiring session <*>, timeout of <*> exceeded',
    values: [hex32, ms],
  },
  {
    template: 'Follower <*> is <*> entries behind, sending <*>',
    values: [peer, int(1, 999_999), word(['snapshot', 'diff', 'trunc', 'entries'])],
  },
  {
    template: 'Connection broken for peer <*>, closing channel after <*> ms idle',
    values: [peer, int(1, 99_999)],
  },
];
