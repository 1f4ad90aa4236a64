/**
 * Synthetic logs in formats unlike the Loghub sets the miner was measured on, written here for the tests:
 * a desktop syslog (bracketed process names, long lines), a Windows component-servicing log, a mail
 * server's log and a cluster's system log (node names, hardware locations, batch jobs, hex registers). Each kind of line is a template whose `<*>` are filled from value generators, so the right
 * template of every line is known. Values are drawn from a seeded generator: the same lines every run.
 */

export interface LineKind {
  /** The expected template, `<*>` where a value goes. */
  template: string;
  /** One generator per `<*>`, in order. */
  values: Array<(r: Rng) => string>;
}

export class Rng {
  private s: number;
  constructor(seed: number) {
    this.s = seed >>> 0 || 1;
  }
  /** xorshift32: a few lines of state, enough to vary values. */
  next(): number {
    let x = this.s;
    x ^= x << 13;
    x ^= x >>> 17;
    x ^= x << 5;
    this.s = x >>> 0;
    return this.s / 0x1_0000_0000;
  }
  int(lo: number, hi: number): number {
    return lo + Math.floor(this.next() * (hi - lo + 1));
  }
  pick<T>(xs: readonly T[]): T {
    return xs[Math.floor(this.next() * xs.length)] as T;
  }
  hex(n: number): string {
    let s = '';
    for (let i = 0; i < n; i++) s += '0123456789abcdef'[this.int(0, 15)];
    return s;
  }
}

export const int = (lo: number, hi: number) => (r: Rng) => String(r.int(lo, hi));
export const ipv4 = (r: Rng) => `${r.int(1, 223)}.${r.int(0, 255)}.${r.int(0, 255)}.${r.int(1, 254)}`;
export const word = (xs: readonly string[]) => (r: Rng) => r.pick(xs);
export const path = (r: Rng) =>
  `/${r.pick(['Users', 'var', 'opt', 'Library'])}/${r.pick(['ann', 'lee', 'kim', 'shared'])}/${r.pick(['cache', 'data', 'tmp'])}/${r.hex(6)}.${r.pick(['db', 'plist', 'log'])}`;
export const duration = (r: Rng) => `${r.int(1, 900)}.${r.int(0, 9)}ms`;
export const names = ['ann', 'lee', 'kim', 'sam', 'ola', 'raj', 'eve', 'max', 'ida', 'tom', 'zoe', 'noa'];
const hosts = ['relay', 'mx', 'gw', 'edge', 'smtp', 'mail', 'in', 'out'];
const domains = ['example.com', 'example.net', 'example.org', 'test.example'];
export const email = (r: Rng) => `${r.pick(names)}.${r.pick(names)}@${r.pick(domains)}`;
export const host = (r: Rng) => `${r.pick(hosts)}${r.int(1, 40)}.${r.pick(domains)}`;
const winPath = (r: Rng) =>
  `C:\\Windows\\${r.pick(['servicing', 'WinSxS', 'Logs'])}\\${r.pick(['Packages', 'Temp', 'CBS'])}\\${r.pick(['pkg', 'cab', 'mum'])}_${r.hex(8)}.${r.pick(['mum', 'cat', 'log'])}`;
const hresult = (r: Rng) => `0x8${r.hex(7)}`;

/** A desktop syslog's messages: process names and ids in brackets, addresses, paths, long lines. */
export const DESKTOP_SYSLOG: LineKind[] = [
  {
    template: 'kernel[<*>]: Sandbox: helper(<*>) deny(<*>) file-read-data <*>',
    values: [int(0, 0), int(100, 99999), int(1, 9), path],
  },
  {
    template:
      'syncd[<*>]: [Upload] finished transfer of <*> to <*> in <*>, retries <*>, bytes <*>, queue depth <*>, priority normal',
    values: [int(100, 9999), path, ipv4, duration, int(0, 5), int(1, 10_000_000), int(0, 300)],
  },
  {
    template: 'netd[<*>]: interface en0 changed state to <*> (link speed <*> Mb/s)',
    values: [int(100, 9999), word(['up', 'down', 'dormant', 'testing', 'unknown']), int(10, 10_000)],
  },
  {
    template: 'loginwindow[<*>]: session <*> for user <*> locked after <*> seconds idle',
    values: [int(50, 999), (r) => r.hex(8).toUpperCase(), word(names), int(60, 3600)],
  },
  {
    template: 'powerd[<*>]: Sleep assertion released by process <*>[<*>] after <*> (reason: <*>)',
    values: [
      int(50, 999),
      word(['mail', 'music', 'backupd', 'indexer', 'photos', 'notes']),
      int(100, 9999),
      duration,
      word(['user-idle', 'timer', 'lid-closed', 'low-battery', 'remote']),
    ],
  },
];

/** A Windows component-servicing log's messages: session ids, HRESULTs, package names, Windows paths. */
export const SERVICING_LOG: LineKind[] = [
  {
    template: 'Session: <*> initialized by client <*>, staging directory: <*>',
    values: [
      (r) => `${r.int(10_000_000, 99_999_999)}_${r.int(1_000_000_000, 1_999_999_999)}`,
      word(['UpdateAgent', 'DISM', 'TrustedInstaller', 'Setup', 'Servicing']),
      winPath,
    ],
  },
  {
    template: 'Failed to open package file: <*> [HRESULT = <*> - ERROR_FILE_NOT_FOUND]',
    values: [winPath, hresult],
  },
  {
    // A version number is one value, its `v` included.
    template: 'Loaded servicing stack <*> with core: <*>',
    values: [(r) => `v${r.int(6, 10)}.${r.int(0, 3)}.${r.int(7600, 22000)}.${r.int(16000, 24000)}`, winPath],
  },
  {
    template: 'Exec: Processing package <*> (state: <*>), <*> of <*> components done',
    values: [
      (r) =>
        `Package_for_KB${r.int(2_000_000, 5_999_999)}~${r.hex(16)}~amd64~~${r.int(6, 10)}.${r.int(0, 3)}.${r.int(1, 9)}.${r.int(0, 9)}`,
      word(['Staged', 'Installed', 'Superseded', 'Absent', 'Resolved']),
      int(1, 400),
      int(400, 900),
    ],
  },
  {
    template: 'Warning: Unrecognized packageExtended attribute.',
    values: [],
  },
];

/** A mail server's messages: queue ids, angle-bracketed addresses, key=value fields, relays with ports. */
export const MAIL_LOG: LineKind[] = [
  {
    template: 'connect from <*>[<*>]',
    values: [host, ipv4],
  },
  {
    // A key's value holding a variable is one variable (`client=<*>`), whatever its inner punctuation.
    template: '<*>: client=<*>',
    values: [(r) => r.hex(10).toUpperCase(), (r) => `${host(r)}[${ipv4(r)}]`],
  },
  {
    template: '<*>: from=<<*>>, size=<*>, nrcpt=<*> (queue active)',
    values: [(r) => r.hex(10).toUpperCase(), email, int(300, 5_000_000), int(1, 20)],
  },
  {
    // A number is a value even where this message always prints the same one (`250`).
    template: '<*>: to=<<*>>, relay=<*>, delay=<*>, dsn=<*>, status=sent (<*> <*> OK)',
    values: [
      (r) => r.hex(10).toUpperCase(),
      email,
      (r) => `${host(r)}[${ipv4(r)}]:${r.pick(['25', '587'])}`,
      (r) => `${r.int(0, 30)}.${r.int(0, 9)}`,
      word(['2.0.0', '2.6.0']),
      word(['250']),
      word(['2.0.0', '2.6.0']),
    ],
  },
  {
    template:
      'NOQUEUE: reject: RCPT from <*>[<*>]: <*> <*> <<*>>: Relay access denied; proto=ESMTP helo=<<*>>',
    values: [host, ipv4, word(['554', '550']), word(['5.7.1', '5.1.1']), email, host],
  },
  {
    template: 'disconnect from <*>[<*>] ehlo=<*> mail=<*> rcpt=<*> data=<*> quit=<*> commands=<*>',
    values: [
      host,
      ipv4,
      int(0, 1),
      int(0, 1),
      (r) => `${r.int(0, 3)}/${r.int(1, 3)}`,
      int(0, 1),
      int(0, 1),
      (r) => `${r.int(1, 6)}/${r.int(6, 9)}`,
    ],
  },
];

const node = (r: Rng) => `${r.pick(['cn', 'gpu', 'bn', 'login'])}${r.int(1, 999)}`;
const location = (r: Rng) =>
  `R${r.int(0, 7)}${r.int(0, 7)}-M${r.int(0, 1)}-N${r.hex(1).toUpperCase()}-C:J${r.int(10, 18)}-U${r.int(0, 1)}${r.int(0, 9)}`;
export const hex32 = (r: Rng) => `0x${r.hex(8)}`;
const clock = (r: Rng) =>
  `${r.int(0, 48)}:${String(r.int(0, 59)).padStart(2, '0')}:${String(r.int(0, 59)).padStart(2, '0')}`;

/**
 * A cluster's system log: node names (a word with a short number, varying per line), hardware locations,
 * hex registers, batch jobs with wall-clock limits, user names that vary, cron and time-sync lines.
 */
export const CLUSTER_LOG: LineKind[] = [
  {
    template: 'session opened for user <*> by (uid=<*>)',
    values: [word(names), int(0, 60_000)],
  },
  {
    template: 'synchronized to <*>, stratum <*>',
    values: [ipv4, int(1, 4)],
  },
  {
    template: 'job <*> exceeded walltime limit of <*> on node <*>, signal <*> sent',
    values: [int(100_000, 9_999_999), clock, node, int(9, 15)],
  },
  {
    template: 'CE sym <*>, at <*>, mask <*>',
    values: [int(0, 31), hex32, hex32],
  },
  {
    // An address with its port is one value.
    template: 'ciod: failed to read message prefix on control stream (socket to <*>)',
    values: [(r) => `${ipv4(r)}:${r.int(1024, 65_535)}`],
  },
  {
    template: 'node card temperature <*> C exceeds the limit of <*> C at <*>',
    values: [int(60, 99), int(55, 59), location],
  },
  {
    template: 'instruction cache parity error corrected',
    values: [],
  },
  {
    template: 'Server failed to connect to <*> port <*> for node <*>: Connection refused',
    values: [ipv4, int(1024, 65_535), node],
  },
  {
    template: 'EXT3-fs error (device <*>): ext3_find_entry: reading directory #<*> offset <*>',
    values: [(r) => `${r.pick(['sda', 'sdb', 'md', 'nvme0n'])}${r.int(0, 9)}`, int(2, 9_999_999), int(0, 9)],
  },
];

/** `count` lines drawn from `kinds`, each with its expected template. */
export function generate(
  kinds: readonly LineKind[],
  count: number,
  seed: number,
): Array<{ line: string; template: string }> {
  const r = new Rng(seed);
  const out: Array<{ line: string; template: string }> = [];
  for (let i = 0; i < count; i++) {
    const kind = r.pick(kinds);
    let v = 0;
    const line = kind.template.replace(/<\*>/g, () => (kind.values[v++] as (r: Rng) => string)(r));
    out.push({ line, template: kind.template });
  }
  return out;
}
