/**
 * A network namespace for a drill that bans: a veth pair whose namespace end holds the server's address and
 * whose host end holds two clients' (a client is chosen by binding its source address), and a TCP listener
 * inside the namespace. Bans go into the namespace's own firewall, so the host's is never touched, and
 * nothing is sent anywhere but to the namespace's addresses.
 */
import { type ChildProcess, spawn } from 'node:child_process';
import net from 'node:net';
import { lastLine, runCommand } from '../core/index.js';

export interface DrillNetns {
  name: string;
  port: number;
  server: string;
  /** The client that misbehaves, and one that does not. */
  attacker: string;
  bystander: string;
  /** Connects from `from` to the listener: 'connected' (it greeted), 'refused', or 'timeout'. */
  connect(from: string): Promise<'connected' | 'refused' | 'timeout'>;
  destroy(): Promise<void>;
}

async function run(argv: string[]): Promise<string> {
  const r = await runCommand(argv, { signal: AbortSignal.timeout(10_000) });
  if (r.error || r.code !== 0)
    throw new Error(`${argv.join(' ')} failed: ${r.error ?? lastLine(r.stderr || r.stdout) ?? r.code}`);
  return r.stdout;
}

/** Why bans cannot be drilled here (a missing program, no right to make a namespace), or null. */
export async function netnsUnusable(): Promise<string | null> {
  const nft = await runCommand(['nft', '--version']);
  if (nft.error || nft.code !== 0)
    return `nft is missing (Debian package nftables): ${nft.error ?? lastLine(nft.stderr)}`;
  const ip = await runCommand(['ip', 'netns', 'list']);
  if (ip.error || ip.code !== 0)
    return `\`ip netns\` is missing (Debian package iproute2): ${ip.error ?? lastLine(ip.stderr)}`;
  if (process.getuid?.() !== 0)
    return 'making a network namespace needs root (or CAP_SYS_ADMIN and CAP_NET_ADMIN)';
  return null;
}

async function exists(name: string): Promise<boolean> {
  const out = await run(['ip', 'netns', 'list']);
  return out.split('\n').some((l) => l.split(' ')[0] === name);
}

/**
 * Makes namespace `name` with a listener on `port` (0: any). A namespace of that name already there belongs
 * to someone else (another drill on a copy of the same config): it is left alone and this fails.
 */
export async function createDrillNetns(name: string, port: number): Promise<DrillNetns> {
  const why = await netnsUnusable();
  if (why) throw new Error(`cannot drill bans here: ${why}`);
  if (await exists(name))
    throw new Error(
      `network namespace ${name} exists already (another drill's, or one left by a killed run: ip netns del ${name})`,
    );
  // Interface names hold 15 characters; a /24 of private space picked per process, so parallel drills differ.
  const id = `${process.pid % 100_000}`;
  const hostIf = `mdh${id}`;
  const nsIf = `mdn${id}`;
  const x = 16 + (process.pid % 200);
  const addr = (h: number) => `10.${x}.78.${h}`;
  const [attacker, server, bystander] = [addr(1), addr(2), addr(3)];
  await run(['ip', 'netns', 'add', name]);
  let listener: ChildProcess | null = null;
  const destroy = async () => {
    listener?.kill('SIGKILL');
    await runCommand(['ip', 'netns', 'del', name]); // takes the veth pair with it
    await runCommand(['ip', 'link', 'del', hostIf]);
  };
  try {
    await run(['ip', 'link', 'add', hostIf, 'type', 'veth', 'peer', 'name', nsIf, 'netns', name]);
    for (const a of [attacker, bystander]) await run(['ip', 'addr', 'add', `${a}/24`, 'dev', hostIf]);
    await run(['ip', 'link', 'set', hostIf, 'up']);
    await run(['ip', '-n', name, 'addr', 'add', `${server}/24`, 'dev', nsIf]);
    await run(['ip', '-n', name, 'link', 'set', nsIf, 'up']);
    await run(['ip', '-n', name, 'link', 'set', 'lo', 'up']);
    // The listener greets and closes: a connection that gets "hi" went through the namespace's firewall.
    const script = `const s=require('net').createServer(c=>c.end('hi'));s.listen(${port},'0.0.0.0',()=>console.log(s.address().port))`;
    const child = spawn('ip', ['netns', 'exec', name, process.execPath, '-e', script], {
      stdio: ['ignore', 'pipe', 'ignore'],
    });
    listener = child;
    const bound = await new Promise<number>((resolve, reject) => {
      child.once('error', reject);
      child.once('exit', (code) => reject(new Error(`the namespace's listener exited ${code}`)));
      child.stdout?.once('data', (d: Buffer) => resolve(Number(d.toString().trim())));
    });
    child.removeAllListeners('exit');
    return {
      name,
      port: bound,
      server,
      attacker,
      bystander,
      connect: (from) => connect(from, server, bound),
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
