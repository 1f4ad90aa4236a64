/**
 * Synthetic logs of the servers a small team runs beside its own services (see formats.fixture.ts for how lines
 * are generated): a web server's access and error logs, a relational database's server log and a key-value
 * store's log, each message as it follows its header. Values are invented, from the seeded generator.
 */
import { int, ipv4, type LineKind, type Rng, word } from './formats.fixture.js';

const months = ['Jan', 'Feb', 'Mar', 'Apr', 'May', 'Jun', 'Jul', 'Aug', 'Sep', 'Oct', 'Nov', 'Dec'];
const pad = (n: number) => String(n).padStart(2, '0');
/** The Common Log Format's time, `[06/Dec/2026:10:04:59` (its zone is the next word). */
const clfTime = (r: Rng) =>
  `${pad(r.int(1, 28))}/${r.pick(months)}/20${r.int(20, 29)}:${pad(r.int(0, 23))}:${pad(r.int(0, 59))}:${pad(r.int(0, 59))}`;
const zone = (r: Rng) => r.pick(['+0000', '+0100', '-0500', '+0530']);
const apiPath = (r: Rng) =>
  `/${r.pick(['api/items', 'api/orders', 'static/js', 'img/products', 'api/users'])}/${r.int(1, 99999)}`;
const agent = word([
  'curl/8.5.0',
  'python-requests/2.31.0',
  'Go-http-client/1.1',
  'kube-probe/1.29',
  'okhttp/4.12.0',
]);
const user = (r: Rng) => (r.next() < 0.7 ? '-' : r.pick(['ann', 'lee', 'kim', 'sam', 'ola', 'raj']));
const ms = (r: Rng) => `${r.int(0, 900)}.${String(r.int(0, 999)).padStart(3, '0')}`;

/** A web server's access log (combined format, agents of one word) and its error log's messages. */
export const WEB_SERVER_LOG: LineKind[] = [
  {
    // The time and its zone are one value, in its brackets; the user is `-` or a name.
    template: '<*> - <*> [<*>] "GET <*> HTTP/<*>" <*> <*> "-" "<*>"',
    values: [
      ipv4,
      user,
      (r) => `${clfTime(r)} ${zone(r)}`,
      apiPath,
      word(['1.1', '2.0']),
      int(200, 504),
      int(0, 99999),
      agent,
    ],
  },
  {
    template: '<*> - <*> [<*>] "POST <*> HTTP/<*>" <*> <*> "-" "<*>"',
    values: [
      ipv4,
      user,
      (r) => `${clfTime(r)} ${zone(r)}`,
      apiPath,
      word(['1.1', '2.0']),
      int(200, 504),
      int(0, 99999),
      agent,
    ],
  },
  {
    // The error log's header holds its time, level and `pid#tid:`; `*N` is the connection's number, and an
    // error's number is a number (`<*>` as every number is, though it goes with its text).
    template:
      '<*> connect() failed (<*>: Connection refused) while connecting to upstream, client: <*>, server: shop.example.com, request: "GET <*> HTTP/<*>", upstream: "<*>", host: "shop.example.com"',
    values: [
      (r) => `*${r.int(1, 999_999)}`,
      int(111, 111),
      ipv4,
      apiPath,
      word(['1.1', '2.0']),
      (r) => `http://10.0.${r.int(0, 9)}.${r.int(2, 250)}:${r.int(3000, 9000)}${apiPath(r)}`,
    ],
  },
  {
    template:
      '<*> upstream timed out (<*>: Connection timed out) while reading response header from upstream, client: <*>',
    values: [(r) => `*${r.int(1, 999_999)}`, int(110, 110), ipv4],
  },
  {
    template: 'worker process <*> exited on signal <*>',
    values: [int(100, 99999), int(1, 15)],
  },
];

/** A relational database's server log, each message after its `time zone [pid]` header. */
export const DATABASE_LOG: LineKind[] = [
  {
    template: 'LOG: duration: <*> ms statement: SELECT id, total FROM orders WHERE customer_id = <*>',
    values: [ms, int(1, 999_999)],
  },
  {
    template: 'LOG: connection received: host=<*> port=<*>',
    values: [ipv4, int(1024, 65535)],
  },
  {
    template: 'LOG: connection authorized: user=<*> database=shop application_name=<*>',
    values: [
      word(['app', 'reporting', 'migrator', 'backup', 'admin']),
      word(['psql', 'pgbench', 'web', 'worker']),
    ],
  },
  {
    template:
      'LOG: checkpoint complete: wrote <*> buffers (<*>); <*> WAL file(s) added, <*> removed, <*> recycled; write=<*> s, sync=<*> s, total=<*> s',
    values: [
      int(1, 99_999),
      (r) => `${r.int(0, 99)}.${r.int(0, 9)}%`,
      int(0, 9),
      int(0, 9),
      int(0, 9),
      ms,
      ms,
      ms,
    ],
  },
  {
    template: 'ERROR: duplicate key value violates unique constraint "users_email_key"',
    values: [],
  },
  {
    template: 'DETAIL: Key (email)=(<*>) already exists.',
    values: [(r) => `${r.pick(['ann', 'lee', 'kim'])}.${r.int(1, 999)}@example.com`],
  },
  {
    template: 'LOG: automatic vacuum of table "shop.public.orders": index scans: <*>',
    values: [int(0, 3)],
  },
  {
    template: 'FATAL: terminating connection due to idle-in-transaction timeout',
    values: [],
  },
];

const mb = (r: Rng) => `${r.int(0, 512)} MB`;

/** A key-value store's log, each message after its `pid:role day month year time level` header. */
export const KEY_VALUE_LOG: LineKind[] = [
  { template: 'Background saving started by pid <*>', values: [int(100, 99999)] },
  { template: 'DB saved on disk', values: [] },
  {
    template: '<*> changes in <*> seconds. Saving...',
    values: [int(1, 100_000), word(['60', '300', '900'])],
  },
  { template: 'Background saving terminated with success', values: [] },
  { template: 'Accepted <*>', values: [(r) => `${ipv4(r)}:${r.int(1024, 65535)}`] },
  {
    // A number and its size unit are one value (mask-dates.ts): a formatter chooses the unit by the size.
    template: 'Fork CoW for RDB: current <*>, peak <*>, average <*>',
    values: [mb, mb, mb],
  },
  {
    template:
      'Client id=<*> addr=<*> laddr=<*> fd=<*> name= age=<*> idle=<*> flags=N db=<*> closed for overcoming of output buffer limits.',
    values: [
      int(1, 999_999),
      (r) => `${ipv4(r)}:${r.int(1024, 65535)}`,
      (r) => `10.0.0.${r.int(2, 9)}:6379`,
      int(5, 9999),
      int(0, 86_400),
      int(0, 86_400),
      int(0, 15),
    ],
  },
];
