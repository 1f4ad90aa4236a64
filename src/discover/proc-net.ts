import { readFile } from 'node:fs/promises';

/** One TCP socket of /proc/net/tcp or tcp6. */
export interface TcpSocket {
  family: 4 | 6;
  localAddress: string;
  localPort: number;
  remoteAddress: string;
  remotePort: number;
  /** LISTEN, ESTABLISHED, or the kernel's hex state for the others. */
  state: string;
  /** The socket's inode: /proc/<pid>/fd links name it as `socket:[inode]`. */
  inode: string;
}

const STATES: Record<string, string> = { '01': 'ESTABLISHED', '0A': 'LISTEN' };

/**
 * The kernel writes an address as the bytes of each 32-bit word in host order (little-endian on x86 and
 * arm64): 0100007F is 127.0.0.1. IPv6 is four such words.
 */
export function decodeAddress(hex: string): string {
  const words = hex.match(/.{8}/g) ?? [];
  const bytes = words.flatMap((w) => (w.match(/../g) ?? []).reverse().map((b) => Number.parseInt(b, 16)));
  if (bytes.length === 4) return bytes.join('.');
  const groups: string[] = [];
  for (let i = 0; i < 16; i += 2) groups.push((((bytes[i] ?? 0) << 8) | (bytes[i + 1] ?? 0)).toString(16));
  const full = groups.join(':');
  // IPv4 mapped into IPv6 (::ffff:a.b.c.d) reads better as the IPv4 address it is.
  if (/^0:0:0:0:0:ffff:/.test(full)) return bytes.slice(12).join('.');
  return compressIpv6(groups);
}

/** The longest run of zero groups written as `::` (RFC 5952). */
function compressIpv6(groups: string[]): string {
  let best = { at: -1, len: 0 };
  for (let i = 0; i < groups.length; ) {
    if (groups[i] !== '0') {
      i++;
      continue;
    }
    let j = i;
    while (j < groups.length && groups[j] === '0') j++;
    if (j - i > best.len && j - i > 1) best = { at: i, len: j - i };
    i = j;
  }
  if (best.at < 0) return groups.join(':');
  return `${groups.slice(0, best.at).join(':')}::${groups.slice(best.at + best.len).join(':')}`;
}

/** Parses the text of /proc/net/tcp (family 4) or /proc/net/tcp6 (family 6). */
export function parseTcpTable(text: string, family: 4 | 6): TcpSocket[] {
  const out: TcpSocket[] = [];
  for (const line of text.split('\n').slice(1)) {
    // sl local_address rem_address st tx_queue:rx_queue tr:tm->when retrnsmt uid timeout inode ...
    const f = line.trim().split(/\s+/);
    if (f.length < 10) continue;
    const [local = '', remote = '', st = '', inode = '0'] = [f[1], f[2], f[3], f[9]];
    const [la = '', lp = '0'] = local.split(':');
    const [ra = '', rp = '0'] = remote.split(':');
    if (inode === '0') continue; // a socket in TIME_WAIT belongs to no process
    out.push({
      family,
      localAddress: decodeAddress(la),
      localPort: Number.parseInt(lp, 16),
      remoteAddress: decodeAddress(ra),
      remotePort: Number.parseInt(rp, 16),
      state: STATES[st] ?? st,
      inode,
    });
  }
  return out;
}

/** Every TCP socket of this network namespace; an unreadable table (not Linux) gives none. */
export async function readTcpSockets(proc = '/proc'): Promise<TcpSocket[]> {
  const tables = await Promise.all(
    ([4, 6] as const).map(async (family) => {
      const text = await readFile(`${proc}/net/${family === 4 ? 'tcp' : 'tcp6'}`, 'utf8').catch(() => '');
      return parseTcpTable(text, family);
    }),
  );
  return tables.flat();
}
