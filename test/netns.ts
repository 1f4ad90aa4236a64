/**
 * A network namespace made for one test: a veth pair whose namespace end holds the server's addresses and
 * whose host end holds the clients' (so a client is chosen by binding its source address), a TCP listener
 * inside the namespace, and nothing sent anywhere but to the namespace's own addresses.
 */
import { type ChildProcess, spawn, spawnSync } from 'node:child_process';
import net from 'node:net';

function run(argv: string[]): string {
  const r = spawnSync(argv[0] as string, argv.slice(1), { encoding: 'utf8' });
  if (r.error || r.status !== 0)
    throw new Error(`${argv.join(' ')} failed: ${r.error?.message ?? r.stderr.trim() ?? r.status}`);
  return r.stdout;
}

/** Fails (never skips) with what to install when the tools are missing or not allowed. */
export function requireNetnsTools(): void {
  const nft = spawnSync('nft', ['--version'], { encoding: 'utf8' });
  if (nft.error || nft.status !== 0)
    throw new Error(
      `this test needs nft (Debian package nftables: apt-get install -y nftables): ${nft.error?.message ?? nft.stderr}`,
    );
  const ip = spawnSync('ip', ['netns', 'list'], { encoding: 'utf8' });
  if (ip.error || ip.status !== 0)
    throw new Error(
      `this test needs \`ip netns\` (Debian package iproute2) and root or CAP_NET_ADMIN: ${ip.error?.message ?? ip.stderr}`,
    );
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
  connect(from: string, to: string): Promise<'connected' | 'refused' | 'timeout'>;
  destroy(): Promise<void>;
}

export async function createNetns(): Promise<TestNetns> {
  const id = `${process.pid % 100_000}`;
  const name = `medic-ban-${id}`;
  const hostIf = `mbh${id}`;
  const nsIf = `mbn${id}`;
  // A /24 and a /64 of private space picked per process, so parallel runs do not meet.
  const x = 16 + (process.pid % 200);
  const v4 = (h: number) => `10.${x}.77.${h}`;
  const v6 = (h: number) => `fd00:77:${x.toString(16)}::${h}`;
  const server = { v4: v4(2), v6: v6(2) };
  const a = { v4: v4(1), v6: v6(1) };
  const b = { v4: v4(3), v6: v6(3) };
  spawnSync('ip', ['netns', 'del', name]); // a namespace left by a killed run of this same pid
  run(['ip', 'netns', 'add', name]);
  let listener: ChildProcess | null = null;
  const destroy = async () => {
    listener?.kill('SIGKILL');
    spawnSync('ip', ['netns', 'del', name]); // takes the veth pair with it
    spawnSync('ip', ['link', 'del', hostIf]);
  };
  try {
    run(['ip', 'link', 'add', hostIf, 'type', 'veth', 'peer', 'name', nsIf, 'netns', name]);
    for (const addr of [a, b]) {
      run(['ip', 'addr', 'add', `${addr.v4}/24`, 'dev', hostIf]);
      run(['ip', '-6', 'addr', 'add', `${addr.v6}/64`, 'dev', hostIf, 'nodad']);
    }
    run(['ip', 'link', 'set', hostIf, 'up']);
    run(['ip', '-n', name, 'addr', 'add', `${server.v4}/24`, 'dev', nsIf]);
    run(['ip', '-n', name, '-6', 'addr', 'add', `${server.v6}/64`, 'dev', nsIf, 'nodad']);
    run(['ip', '-n', name, 'link', 'set', nsIf, 'up']);
    run(['ip', '-n', name, 'link', 'set', 'lo', 'up']);
    // The listener greets and closes: a connection that gets "hi" went through the namespace's firewall.
    const script =
      "const s=require('net').createServer(c=>c.end('hi'));s.listen(0,'::',()=>console.log(s.address().port))";
    const child = spawn('ip', ['netns', 'exec', name, process.execPath, '-e', script], {
      stdio: ['ignore', 'pipe', 'inherit'],
    });
    listener = child;
    const port = await new Promise<number>((resolve, reject) => {
      child.once('error', reject);
      child.once('exit', (code) => reject(new Error(`listener exited ${code}`)));
      child.stdout?.once('data', (d: Buffer) => resolve(Number(d.toString().trim())));
    });
    return {
      name,
      port,
      server,
      a,
      b,
      nft: (...args) => run(['ip', 'netns', 'exec', name, 'nft', ...args]),
      connect: (from, to) => connect(from, to, port),
      destroy,
    };
  } catch (err) {
    await destroy();
    throw err;
  }
}

function connect(from: string, to: string, port: number): Promise<'connected' | 'refused' | 'timeout'> {
  return new Promise((resolve) => {
    const s = net.connect({ host: to, port, localAddress: from });
    let got = '';
    const done = (r: 'connected' | 'refused' | 'timeout') => {
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
