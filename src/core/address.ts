import { BlockList, isIP } from 'node:net';

/**
 * One spelling per address, so one client is one counter and one ban however its logs write it: brackets,
 * an IPv6 zone and IPv4-mapped IPv6 (`::ffff:192.0.2.7`, as Node servers log IPv4 clients) are removed, and
 * IPv6 is written in its canonical compressed lower-case form. Null for anything that is not an address.
 */
export function normalizeAddress(raw: string): string | null {
  let s = raw.trim();
  if (s.startsWith('[') && s.endsWith(']')) s = s.slice(1, -1);
  const zone = s.indexOf('%');
  if (zone >= 0) s = s.slice(0, zone);
  const family = isIP(s);
  if (family === 4) return s;
  if (family !== 6) return null;
  const mapped = /^::ffff:(\d{1,3}(?:\.\d{1,3}){3})$/i.exec(s);
  if (mapped?.[1] && isIP(mapped[1]) === 4) return mapped[1];
  // The URL parser writes IPv6 canonically (lower case, longest zero run compressed).
  const canonical = new URL(`http://[${s}]/`).hostname.slice(1, -1);
  const inner = /^::ffff:([0-9a-f]{1,4}):([0-9a-f]{1,4})$/.exec(canonical);
  if (inner?.[1] && inner[2]) {
    const hi = Number.parseInt(inner[1], 16);
    const lo = Number.parseInt(inner[2], 16);
    return `${hi >> 8}.${hi & 255}.${lo >> 8}.${lo & 255}`;
  }
  return canonical;
}

/** Networks written as `10.0.0.0/8`, `2001:db8::/32` or one address, matched with Node's BlockList. */
export class NetworkList {
  private readonly list = new BlockList();

  constructor(networks: Iterable<string>) {
    for (const n of networks) {
      const [addr = '', bits] = n.split('/');
      const a = normalizeAddress(addr);
      if (!a) throw new Error(`not an address or network: ${n}`);
      const type = isIP(a) === 4 ? 'ipv4' : 'ipv6';
      const full = type === 'ipv4' ? 32 : 128;
      // A mapped IPv4 network keeps its IPv4 prefix (::ffff:10.0.0.0/104 is 10.0.0.0/8).
      const mapped = type === 'ipv4' && isIP(addr) === 6 && bits !== undefined;
      const prefix = bits === undefined ? full : Number(bits) - (mapped ? 96 : 0);
      this.list.addSubnet(a, Math.max(0, Math.min(full, prefix)), type);
    }
  }

  has(address: string): boolean {
    const a = normalizeAddress(address);
    if (!a) return false;
    return this.list.check(a, isIP(a) === 4 ? 'ipv4' : 'ipv6');
  }
}

/** Loopback is never banned: Medic, a local proxy and the host's own tools speak from it. */
export const LOOPBACK = ['127.0.0.0/8', '::1/128'] as const;

/** The addresses that may never be banned: loopback and the networks given (admin networks, sessions). */
export function allowList(networks: Iterable<string>): NetworkList {
  return new NetworkList([...LOOPBACK, ...networks]);
}

/** The /64 an IPv6 address is in, written `net::/64` canonically; null for IPv4 or anything else. */
export function ipv6Net64(raw: string): string | null {
  const a = normalizeAddress(raw);
  if (!a || isIP(a) !== 6) return null;
  const [head = '', tail] = a.split('::');
  const h = head ? head.split(':') : [];
  const t = tail ? tail.split(':') : [];
  const groups = tail === undefined ? h : [...h, ...Array(8 - h.length - t.length).fill('0'), ...t];
  return `${normalizeAddress(`${groups.slice(0, 4).join(':')}::`)}/64`;
}

/**
 * True when one of `networks` overlaps the /64 `net`: holds it (or part of it), so banning the whole /64
 * would ban an address that must never be (an admin, loopback).
 */
export function overlapsNet64(net: string, networks: Iterable<string>): boolean {
  const base = net.split('/')[0] ?? '';
  if (allowList(networks).has(base)) return true;
  for (const n of [...LOOPBACK, ...networks]) if (ipv6Net64(n.split('/')[0] ?? '') === net) return true;
  return false;
}
