/**
 * A network namespace for trying bans: a veth pair whose namespace end holds the server's address and whose
 * host end holds two clients' (a client is chosen by binding its source address), and a TCP listener inside
 * the namespace. Bans go into the namespace's own firewall, so the host's is never touched, and nothing is
 * sent anywhere but to the namespace's addresses. The brute-force drill and the ban tests both use it.
 */
import { type ChildProcess, spawn } from 'node:child_process';
import net from 'node:net';
import { lastLine, runCommand } from '../core/index.js';

export type ConnectResult = 'connected' | 'refused' | 'timeout';

/** One end's address; `v6` is null for a namespace made without IPv6. */
export interface NetnsAddress {
  v4: string;
  v6: string | null;
}

export interface NetnsOptions {
  name: string;
  /** The listener's port (0: any). */
  port: number;
  /** One letter in the veth pair's names, so that namespaces of different users (a drill, a test) differ. */
  tag: string;
  /** The third octet of the IPv4 /24 (and a group of the IPv6 /64) used. */
  net: number;
  /** Also give every address an IPv6 one, and listen on both families. */
  ipv6: boolean;
  /** Where the listener's errors go: a test shows them, a drill keeps its output its own. */
  listenerStderr: 'inherit' | 'ignore';
}

export interface Netns {
  name: string;
  port: number;
  server: NetnsAddress;
  /** The two clients on the host end. */
  clients: [NetnsAddress, NetnsAddress];
  /** Connects from `from` to `to` on the listener's port: 'connected' (it greeted), 'refused', or 'timeout'. */
  connect(from: string, to: string): Promise<ConnectResult>;
  destroy(): Promise<void>;
}

/** The programs a namespace needs, and the Debian package of each. */
export const NETNS_TOOLS = [
  { argv: ['nft', '--version'], what: 'nft', pkg: 'nftables' },
  { argv: ['ip', 'netns', 'list'], what: '`ip netns`', pkg: 'iproute2' },
] as const;

async function run(argv: string[]): Promise<string> {
  const r = await runCommand(argv, { signal: AbortSignal.timeout(10_000) });
  if (r.error || r.code !== 0)
    throw new Error(`${argv.join(' ')} failed: ${r.error ?? lastLine(r.stderr || r.stdout) ?? r.code}`);
  return r.stdout;
}

/** Why a namespace cannot be made here (a missing program, no right to make one), or null. */
export async function netnsUnusable(): Promise<string | null> {
  for (const t of NETNS_TOOLS) {
    const r = await runCommand(t.argv);
    if (r.error || r.code !== 0)
      return `${t.what} is missing (Debian package ${t.pkg}): ${r.error ?? lastLine(r.stderr)}`;
  }
  if (process.getuid?.() !== 0)
    return 'making a network namespace needs root (or CAP_SYS_ADMIN and CAP_NET_ADMIN)';
  return null;
}

/** Whether a namespace of that name exists. */
export async function netnsExists(name: string): Promise<boolean> {
  const out = await run(['ip', 'netns', 'list']);
  return out.split('\n').some((l) => l.split(' ')[0] === name);
}

/** Makes namespace `o.name`, its veth pair and its listener; undone by `destroy`, or on failure. */
export async function setUpNetns(o: NetnsOptions): Promise<Netns> {
  const { name } = o;
  // Interface names hold 15 characters; private space picked per process, so parallel runs do not meet.
  const id = `${process.pid % 100_000}`;
  const hostIf = `m${o.tag}h${id}`;
  const nsIf = `m${o.tag}n${id}`;
  const x = 16 + (process.pid % 200);
  const at = (h: number): NetnsAddress => ({
    v4: `10.${x}.${o.net}.${h}`,
    v6: o.ipv6 ? `fd00:${o.net}:${x.toString(16)}::${h}` : null,
  });
  const server = at(2);
  const clients: [NetnsAddress, NetnsAddress] = [at(1), at(3)];
  await run(['ip', 'netns', 'add', name]);
  let listener: ChildProcess | null = null;
  const destroy = async () => {
    listener?.kill('SIGKILL');
    await runCommand(['ip', 'netns', 'del', name]); // takes the veth pair with it
    await runCommand(['ip', 'link', 'del', hostIf]);
  };
  try {
    await run(['ip', 'link', 'add', hostIf, 'type', 'veth', 'peer', 'name', nsIf, 'netns', name]);
    for (const c of clients) {
      await run(['ip', 'addr', 'add', `${c.v4}/24`, 'dev', hostIf]);
      if (c.v6) await run(['ip', '-6', 'addr', 'add', `${c.v6}/64`, 'dev', hostIf, 'nodad']);
    }
    await run(['ip', 'link', 'set', hostIf, 'up']);
    await run(['ip', '-n', name, 'addr', 'add', `${server.v4}/24`, 'dev', nsIf]);
    if (server.v6)
      await run(['ip', '-n', name, '-6', 'addr', 'add', `${server.v6}/64`, 'dev', nsIf, 'nodad']);
    await run(['ip', '-n', name, 'link', 'set', nsIf, 'up']);
    await run(['ip', '-n', name, 'link', 'set', 'lo', 'up']);
    // The listener greets and closes: a connection that gets "hi" went through the namespace's firewall.
    const host = o.ipv6 ? '::' : '0.0.0.0';
    const script = `const s=require('net').createServer(c=>c.end('hi'));s.listen(${o.port},'${host}',()=>console.log(s.address().port))`;
    const child = spawn('ip', ['netns', 'exec', name, process.execPath, '-e', script], {
      stdio: ['ignore', 'pipe', o.listenerStderr],
    });
    listener = child;
    const port = await new Promise<number>((resolve, reject) => {
      child.once('error', reject);
      child.once('exit', (code) => reject(new Error(`the namespace's listener exited ${code}`)));
      child.stdout?.once('data', (d: Buffer) => resolve(Number(d.toString().trim())));
    });
    child.removeAllListeners('exit');
    return { name, port, server, clients, connect: (from, to) => connect(from, to, port), destroy };
  } catch (err) {
    await destroy();
    throw err;
  }
}

export interface DrillNetns {
  name: string;
  port: number;
  server: string;
  /** The client that misbehaves, and one that does not. */
  attacker: string;
  bystander: string;
  /** Connects from `from` to the listener: 'connected' (it greeted), 'refused', or 'timeout'. */
  connect(from: string): Promise<ConnectResult>;
  destroy(): Promise<void>;
}

/**
 * Makes namespace `name` with a listener on `port` (0: any), IPv4 only. A namespace of that name already
 * there belongs to someone else (another drill on a copy of the same config): it is left alone and this fails.
 */
export async function createDrillNetns(name: string, port: number): Promise<DrillNetns> {
  const why = await netnsUnusable();
  if (why) throw new Error(`cannot drill bans here: ${why}`);
  if (await netnsExists(name))
    throw new Error(
      `network namespace ${name} exists already (another drill's, or one left by a killed run: ip netns del ${name})`,
    );
  const ns = await setUpNetns({ name, port, tag: 'd', net: 78, ipv6: false, listenerStderr: 'ignore' });
  const [attacker, bystander] = ns.clients;
  return {
    name,
    port: ns.port,
    server: ns.server.v4,
    attacker: attacker.v4,
    bystander: bystander.v4,
    connect: (from) => ns.connect(from, ns.server.v4),
    destroy: ns.destroy,
  };
}

function connect(from: string, to: string, port: number): Promise<ConnectResult> {
  return new Promise((resolve) => {
    const s = net.connect({ host: to, port, localAddress: from });
    let got = '';
    const done = (r: ConnectResult) => {
      clearTimeout(timer);
      s.destroy();
      resolve(r);
    };
    const timer = setTimeout(() => done('timeout'), 1500);
    s.on('data', (d) => {
      got += d.toString();
      if (got === 'hi') done('connected');
    });
    s.on('error', (err: NodeJS.ErrnoException) => done(err.code === 'ECONNREFUSED' ? 'refused' : 'timeout'));
  });
}
