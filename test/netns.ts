/**
 * A network namespace made for one test (src/drill/netns.ts, with IPv6): the server's addresses inside, two
 * clients' on the host end, a TCP listener, and nothing sent anywhere but to the namespace's own addresses.
 */
import { spawnSync } from 'node:child_process';
import { type ConnectResult, NETNS_TOOLS, type NetnsAddress, setUpNetns } from '../src/drill/netns.js';

function run(argv: string[]): string {
  const r = spawnSync(argv[0] as string, argv.slice(1), { encoding: 'utf8' });
  if (r.error || r.status !== 0)
    throw new Error(`${argv.join(' ')} failed: ${r.error?.message ?? r.stderr.trim() ?? r.status}`);
  return r.stdout;
}

/** Fails (never skips) with what to install when the tools are missing or not allowed. */
export function requireNetnsTools(): void {
  for (const t of NETNS_TOOLS) {
    const r = spawnSync(t.argv[0], t.argv.slice(1), { encoding: 'utf8' });
    if (r.error || r.status !== 0)
      throw new Error(
        `this test needs ${t.what} (Debian package ${t.pkg}: apt-get install -y ${t.pkg}) and root or CAP_NET_ADMIN: ${r.error?.message ?? r.stderr}`,
      );
  }
}

export interface TestNetns {
  name: string;
  port: number;
  server: { v4: string; v6: string };
  /** Client addresses on the host end: a and b, each in both families. */
  a: { v4: string; v6: string };
  b: { v4: string; v6: string };
  /** nft inside the namespace (argv). */
  nft(...args: string[]): string;
  /** Connects from `from` to the listener: 'connected' (it greeted), 'refused', or 'timeout'. */
  connect(from: string, to: string): Promise<ConnectResult>;
  destroy(): Promise<void>;
}

export async function createNetns(): Promise<TestNetns> {
  const name = `medic-ban-${process.pid % 100_000}`;
  spawnSync('ip', ['netns', 'del', name]); // a namespace left by a killed run of this same pid
  const ns = await setUpNetns({ name, port: 0, tag: 'b', net: 77, ipv6: true, listenerStderr: 'inherit' });
  // Made with ipv6: every address has both families.
  const both = (x: NetnsAddress) => ({ v4: x.v4, v6: x.v6 as string });
  return {
    name,
    port: ns.port,
    server: both(ns.server),
    a: both(ns.clients[0]),
    b: both(ns.clients[1]),
    nft: (...args) => run(['ip', 'netns', 'exec', name, 'nft', ...args]),
    connect: ns.connect,
    destroy: ns.destroy,
  };
}
