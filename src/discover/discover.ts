import { networkInterfaces } from 'node:os';
import { detectHttp, type HttpAnswer } from './http-detect.js';
import { knownKind, type ProbeKind } from './known.js';
import { readTcpSockets, type TcpSocket } from './proc-net.js';
import { type ProcessInfo, processInfo, socketOwners } from './processes.js';

/** One port a service listens on, and how Medic should check it. */
export interface DiscoveredEndpoint {
  port: number;
  /** The addresses it listens on, as the kernel lists them. */
  listen: string[];
  /** The address the check connects to (a wildcard becomes loopback). */
  host: string;
  kind: ProbeKind;
  /** For `http`: the path that answered 2xx. */
  http?: HttpAnswer;
  /** Why the check is what it is, when that is worth a comment. */
  note?: string;
}

export interface DiscoveredService {
  name: string;
  /** The process that owns the listening sockets (the parent of workers sharing them); null when unseen. */
  process: ProcessInfo | null;
  endpoints: DiscoveredEndpoint[];
  /** Other discovered services this one holds connections to. */
  dependsOn: string[];
}

export interface DiscoverOptions {
  /** Where /proc is (tests point it elsewhere only for parsing). */
  proc?: string;
  /** Only these ports (default: every listening port). */
  ports?: readonly number[];
  /** Per HTTP request while asking a port whether it speaks HTTP. */
  httpTimeoutMs?: number;
  /** Pids left out (default: this process, so `medic init` never finds itself). */
  exclude?: readonly number[];
}

interface Group {
  process: ProcessInfo | null;
  ports: Map<number, Set<string>>;
}

/**
 * What runs on this host: each process listening on TCP (workers sharing their parent's sockets count as
 * the parent), the probe kind that speaks its protocol, and which of them connect to which. Linux only;
 * processes of other users are seen by their ports alone unless run as root.
 */
export async function discoverServices(opts: DiscoverOptions = {}): Promise<DiscoveredService[]> {
  const proc = opts.proc ?? '/proc';
  const exclude = new Set(opts.exclude ?? [process.pid]);
  const infos = new ProcessCache(proc);
  const sockets = await readTcpSockets(proc);
  const owners = await socketOwners(proc);
  const groups = new Map<string, Group>();
  for (const s of sockets) {
    if (s.state !== 'LISTEN') continue;
    if (opts.ports && !opts.ports.includes(s.localPort)) continue;
    const rep = await representative(owners.get(s.inode) ?? [], infos);
    if (rep && exclude.has(rep.pid)) continue;
    const key = rep ? `pid:${rep.pid}` : `port:${s.localPort}`;
    const g = groups.get(key) ?? { process: rep, ports: new Map() };
    const addrs = g.ports.get(s.localPort) ?? new Set<string>();
    addrs.add(s.localAddress);
    g.ports.set(s.localPort, addrs);
    groups.set(key, g);
  }

  const ordered = [...groups.values()].sort((a, b) => firstPort(a) - firstPort(b));
  const services = await mapLimit(ordered, 8, async (g) => ({
    process: g.process,
    endpoints: await Promise.all(
      [...g.ports]
        .sort(([a], [b]) => a - b)
        .map(([port, addrs]) => endpoint(g.process, port, [...addrs], opts)),
    ),
  }));
  const named = nameServices(services);
  // Read again after the HTTP questions: a proxy asked for /health opened (and keeps) its upstream connection.
  await linkDependencies(named, await readTcpSockets(proc), await socketOwners(proc), infos);
  return named;
}

async function endpoint(
  proc: ProcessInfo | null,
  port: number,
  listen: string[],
  opts: DiscoverOptions,
): Promise<DiscoveredEndpoint> {
  const host = checkHost(listen);
  const known = knownKind(proc?.comm ?? null, port);
  const base: DiscoveredEndpoint = { port, listen, host, kind: known ?? 'tcp' };
  if (known !== null && known !== 'http') return base;
  const found = await detectHttp(`http://${hostForUrl(host)}:${port}`, opts.httpTimeoutMs);
  if (found.http && found.health) return { ...base, kind: 'http', http: found.health };
  if (found.http) {
    const seen = found.answered.map((a) => `${a.path} ${a.status}`).join(', ');
    return { ...base, kind: 'tcp', note: `speaks HTTP, but no health path answered 2xx (${seen})` };
  }
  return known === 'http' ? { ...base, kind: 'tcp', note: `no HTTP answer (${found.reason})` } : base;
}

/** Loopback for a wildcard listener; else the address itself, IPv4 first. */
export function checkHost(listen: readonly string[]): string {
  if (listen.includes('0.0.0.0')) return '127.0.0.1';
  const v4 = listen.filter((a) => !a.includes(':'));
  if (v4.length > 0) return v4.includes('127.0.0.1') ? '127.0.0.1' : (v4[0] as string);
  if (listen.includes('::')) return '::1';
  return listen.includes('::1') ? '::1' : (listen[0] ?? '127.0.0.1');
}

export function hostForUrl(host: string): string {
  return host.includes(':') ? `[${host}]` : host;
}

/**
 * The holder that stands for a socket: the one whose parent does not hold it too (nginx's master, not its
 * workers); the lowest pid when several unrelated processes do.
 */
async function representative(pids: readonly number[], infos: ProcessCache): Promise<ProcessInfo | null> {
  const list = (await Promise.all([...pids].sort((a, b) => a - b).map((p) => infos.get(p)))).filter(
    (p): p is ProcessInfo => p !== null,
  );
  const held = new Set(list.map((p) => p.pid));
  return list.find((p) => !held.has(p.ppid)) ?? list[0] ?? null;
}

/** Names from the process (`postgres`), or the port when it is unseen; a name taken twice gets the port. */
function nameServices(list: Omit<DiscoveredService, 'name' | 'dependsOn'>[]): DiscoveredService[] {
  const base = (s: Omit<DiscoveredService, 'name' | 'dependsOn'>) => {
    const comm = (s.process?.comm ?? '').replace(/[^a-zA-Z0-9_.-]+/g, '-').replace(/^[^a-zA-Z0-9]+/, '');
    return comm || 'port';
  };
  const counts = new Map<string, number>();
  for (const s of list) counts.set(base(s), (counts.get(base(s)) ?? 0) + 1);
  const taken = new Set<string>();
  return list.map((s) => {
    const b = base(s);
    let name = b === 'port' || (counts.get(b) ?? 0) > 1 ? `${b}-${s.endpoints[0]?.port}` : b;
    for (let i = 2; taken.has(name); i++) name = `${b}-${s.endpoints[0]?.port}-${i}`;
    taken.add(name);
    return { ...s, name, dependsOn: [] };
  });
}

/**
 * A depends on B when a process of A (or a child of it) holds a connection to a port B listens on. The
 * accepted side of that same connection is B's own socket, told apart by its local port being B's.
 */
async function linkDependencies(
  services: DiscoveredService[],
  sockets: readonly TcpSocket[],
  owners: Map<string, number[]>,
  infos: ProcessCache,
): Promise<void> {
  const byPid = new Map<number, DiscoveredService>();
  for (const s of services) if (s.process) byPid.set(s.process.pid, s);
  const byPort = new Map<number, DiscoveredService>();
  for (const s of services) for (const e of s.endpoints) byPort.set(e.port, s);
  const serviceOf = async (pid: number): Promise<DiscoveredService | null> => {
    for (let p = pid, hops = 0; p > 1 && hops < 32; hops++) {
      const hit = byPid.get(p);
      if (hit) return hit;
      const info = await infos.get(p);
      if (!info) return null;
      p = info.ppid;
    }
    return null;
  };
  const here = hostAddresses();
  for (const s of sockets) {
    if (s.state !== 'ESTABLISHED') continue;
    const target = byPort.get(s.remotePort);
    if (!target || !isLocal(s.remoteAddress, here)) continue;
    for (const pid of owners.get(s.inode) ?? []) {
      const from = await serviceOf(pid);
      if (!from || from === target) continue;
      if (from.endpoints.some((e) => e.port === s.localPort)) continue; // the accepted side
      if (!from.dependsOn.includes(target.name)) from.dependsOn.push(target.name);
    }
  }
  for (const s of services) s.dependsOn.sort();
}

/**
 * The connection goes to this host (loopback or one of its addresses), so the listener on that port here is
 * its end: the same port on another host is another server.
 */
function isLocal(addr: string, here: ReadonlySet<string>): boolean {
  return addr.startsWith('127.') || addr === '::1' || here.has(addr);
}

function hostAddresses(): Set<string> {
  return new Set(
    Object.values(networkInterfaces())
      .flat()
      .map((i) => i?.address ?? ''),
  );
}

function firstPort(g: Group): number {
  return Math.min(...g.ports.keys());
}

/** Reads each process once per discovery; a process gone is null. */
class ProcessCache {
  private readonly seen = new Map<number, Promise<ProcessInfo | null>>();
  constructor(private readonly proc: string) {}
  get(pid: number): Promise<ProcessInfo | null> {
    let p = this.seen.get(pid);
    if (!p) {
      p = processInfo(pid, this.proc);
      this.seen.set(pid, p);
    }
    return p;
  }
}

/** Maps with at most `limit` calls in flight, keeping the order. */
async function mapLimit<T, R>(items: readonly T[], limit: number, fn: (t: T) => Promise<R>): Promise<R[]> {
  const out = new Array<R>(items.length);
  let next = 0;
  const worker = async () => {
    while (next < items.length) {
      const i = next++;
      out[i] = await fn(items[i] as T);
    }
  };
  await Promise.all(Array.from({ length: Math.min(limit, items.length) }, worker));
  return out;
}
