/**
 * Synthetic logs of platforms, in the layouts such software commonly writes (see formats.fixture.ts for how
 * lines are generated): a mobile app's logcat messages, a forward proxy's and Kubernetes events. Values are
 * invented, from the seeded generator.
 */
import { int, ipv4, type LineKind, type Rng, word } from './formats.fixture.js';

const apps = [
  'com.example.notes',
  'com.example.mail',
  'org.sample.maps',
  'com.example.camera',
  'net.demo.chat',
];
const activities = ['.MainActivity', '.ui.EditorActivity', '.SettingsActivity', '.share.PickerActivity'];
const component = (r: Rng) => `${r.pick(apps)}/${r.pick(activities)}`;
/** How Android prints an elapsed time: `+450ms`, `+1s203ms`. */
const elapsed = (r: Rng) => (r.next() < 0.5 ? `+${r.int(20, 999)}ms` : `+${r.int(1, 9)}s${r.int(0, 999)}ms`);
const size = (r: Rng) => `${r.int(1, 512)}${r.pick(['KB', 'MB'])}`;

/** A mobile app's logcat messages (the pid, tid, level and tag are the header's): components, object ids, GC. */
export const LOGCAT: LineKind[] = [
  {
    template: 'Displayed <*>: <*>',
    values: [component, elapsed],
  },
  {
    template:
      'Background concurrent copying GC freed <*>(<*>) AllocSpace objects, <*>(<*>) LOS objects, <*> free, <*>/<*>, paused <*> total <*>',
    values: [
      int(1000, 999_999),
      size,
      int(0, 99),
      size,
      (r) => `${r.int(10, 90)}%`,
      size,
      size,
      (r) => `${r.int(20, 999)}us`,
      (r) => `${r.int(1, 400)}.${r.int(100, 999)}ms`,
    ],
  },
  {
    // An object's id in braces (`Window{1a2b3c u0 name}`): its hash and its name vary, `u0` is the user's.
    template: 'Changing focus from Window{<*> u0 <*>} to Window{<*> u0 <*>}',
    values: [(r) => r.hex(7), component, (r) => r.hex(7), component],
  },
  {
    template: 'Skipped <*> frames! The application may be doing too much work on its main thread.',
    values: [int(30, 900)],
  },
  {
    template: 'Force finishing activity <*>',
    values: [component],
  },
  {
    template: 'Access denied finding property "<*>"',
    values: [
      word([
        'ro.vendor.display.mode',
        'persist.camera.hal3.enabled',
        'vendor.audio.offload',
        'ro.hw.sensor2.type',
        'persist.sys.theme',
      ]),
    ],
  },
  {
    template: 'onConfigurationChanged: uiMode=<*> densityDpi=<*> screenSize=<*>',
    values: [
      word(['17', '33', '18', '34']),
      word(['320', '420', '480', '560']),
      (r) => `${r.int(720, 1440)}x${r.int(1280, 3200)}`,
    ],
  },
];

const clients = ['browser', 'updater', 'mailer', 'backup-agent', 'chat-client', 'sync-daemon'];
const sites = [
  'www.example.com',
  'cdn.example.net',
  'api.example.org',
  'static.test.example',
  'media.example.com',
];
/** A human-readable size: the unit follows the magnitude (`532 B`, `1.2 KB`, `3.4 MB`). */
const bytes = (r: Rng) => {
  const k = r.int(0, 2);
  return k === 0 ? `${r.int(0, 1023)} B` : `${r.int(1, 999)}.${r.int(0, 9)} ${k === 1 ? 'KB' : 'MB'}`;
};
const lifetime = (r: Rng) =>
  `${String(r.int(0, 2)).padStart(2, '0')}:${String(r.int(0, 59)).padStart(2, '0')}`;

/** A forward proxy: client programs, targets as host:port, sizes with units, durations. */
export const PROXY_LOG: LineKind[] = [
  {
    template: '<*> - <*> open through proxy <*> HTTPS',
    values: [word(clients), (r) => `${r.pick(sites)}:443`, (r) => `${ipv4(r)}:${r.pick(['3128', '8080'])}`],
  },
  {
    template: '<*> - <*> close, <*> sent, <*> received, lifetime <*>',
    values: [word(clients), (r) => `${r.pick(sites)}:${r.pick(['443', '80'])}`, bytes, bytes, lifetime],
  },
  {
    template:
      '<*> - <*> error : Could not connect through proxy <*> - Proxy server cannot establish a connection with the target, status code <*>',
    values: [
      word(clients),
      (r) => `${r.pick(sites)}:443`,
      (r) => `${ipv4(r)}:3128`,
      word(['502', '503', '504']),
    ],
  },
  {
    template: 'Upstream <*> responded <*> in <*> for <*> <*>',
    values: [
      (r) => `${ipv4(r)}:8080`,
      word(['200', '204', '301', '404', '502']),
      (r) => `${r.int(1, 5000)}ms`,
      word(['GET', 'POST', 'PUT', 'DELETE', 'PATCH']),
      (r) => `/${r.pick(['assets', 'api', 'media'])}/${r.hex(8)}.${r.pick(['js', 'json', 'png'])}`,
    ],
  },
  {
    template: 'Traffic summary: <*> connections, <*> sent, <*> received in the last <*>',
    values: [int(0, 99_999), bytes, bytes, (r) => `${r.int(1, 60)}s`],
  },
];

const namespaces = ['default', 'payments', 'search', 'monitoring', 'ingest'];
const appNames = ['web', 'api', 'worker', 'cron', 'gateway', 'indexer'];
const alnum = (r: Rng, n: number) => {
  let s = '';
  for (let i = 0; i < n; i++) s += 'bcdfghjklmnpqrstvwxz2456789'[r.int(0, 26)];
  return s;
};
const pod = (r: Rng) => `${r.pick(namespaces)}/${r.pick(appNames)}-${r.hex(9)}-${alnum(r, 5)}`;
const nodeName = (r: Rng) => `pool-${r.pick(['a', 'b', 'c'])}-${alnum(r, 4)}`;

/** Kubernetes events: namespaced pod names with generated suffixes, node names, images, probe URLs. */
export const K8S_EVENTS: LineKind[] = [
  {
    template: 'Successfully assigned <*> to <*>',
    values: [pod, nodeName],
  },
  {
    template: 'Pulling image "<*>"',
    values: [
      (r) => `registry.example.com/${r.pick(appNames)}:v${r.int(1, 3)}.${r.int(0, 20)}.${r.int(0, 9)}`,
    ],
  },
  {
    template: 'Back-off restarting failed container <*> in pod <*>',
    values: [word(appNames), pod],
  },
  {
    template:
      'Liveness probe failed: Get "<*>": context deadline exceeded (Client.Timeout exceeded while awaiting headers)',
    values: [(r) => `http://${ipv4(r)}:${r.pick(['8080', '9090'])}/healthz`],
  },
  {
    template: 'Created container <*>',
    values: [word(appNames)],
  },
  {
    template: 'Scaled up replica set <*> to <*>',
    values: [(r) => `${r.pick(appNames)}-${r.hex(9)}`, int(1, 30)],
  },
  {
    template: 'Node <*> status is now: <*>',
    values: [
      nodeName,
      word([
        'NodeReady',
        'NodeNotReady',
        'NodeHasSufficientMemory',
        'NodeHasDiskPressure',
        'NodeHasNoDiskPressure',
      ]),
    ],
  },
  {
    template:
      'Memory cgroup out of memory: Killed process <*> (<*>) total-vm:<*>, anon-rss:<*>, file-rss:<*>, shmem-rss:<*>',
    values: [
      int(100, 999_999),
      word(['node', 'java', 'python3', 'ruby', 'nginx']),
      (r) => `${r.int(10_000, 9_999_999)}kB`,
      (r) => `${r.int(1000, 9_999_999)}kB`,
      (r) => `${r.int(0, 99_999)}kB`,
      (r) => `${r.int(0, 9999)}kB`,
    ],
  },
];
