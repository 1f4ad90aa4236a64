import { normalizeAddress } from '../core/index.js';

/**
 * Where the client's address is in a line. Every rule reads only where the program itself writes the peer,
 * never text the client chose (a user name, a request line, a referer, a user agent, a quoted or JSON value
 * other than a named address field): else a crafted line would make Medic ban whomever the attacker names.
 */
export type AddressSpec =
  | { kind: 'auto' }
  | { kind: 'first_field' }
  | { kind: 'field'; name: string }
  | { kind: 'regex'; re: RegExp };

/** `first_field`, `field:<name>` or `regex:<re with one group>` (`logs.abuse.address`); undefined: auto. */
export function parseAddressSpec(spec: string | undefined): AddressSpec {
  if (spec === undefined || spec === 'auto') return { kind: 'auto' };
  if (spec === 'first_field') return { kind: 'first_field' };
  if (spec.startsWith('field:') && spec.length > 6) return { kind: 'field', name: spec.slice(6) };
  if (spec.startsWith('regex:')) {
    const re = new RegExp(spec.slice(6));
    // One capture group, so there is no doubt which part is the address.
    if (new RegExp(`${re.source}|`).exec('')?.length !== 2) throw new Error('needs exactly one (group)');
    return { kind: 'regex', re };
  }
  throw new Error('first_field, field:<name> or regex:<re with one group>');
}

/** JSON fields that name the peer (top level): never `x_forwarded_for`, a header the client writes. */
const JSON_FIELDS = [
  'ip',
  'client_ip',
  'clientip',
  'clientIp',
  'client_addr',
  'client_address',
  'remote_addr',
  'remote_ip',
  'remoteAddress',
  'remote_address',
  'remoteIp',
  'src_ip',
  'source_ip',
  'peer_ip',
  'peer_addr',
  'rhost',
];

/** sshd's own suffix: its user name comes earlier, so the LAST `from <ip> port N` is the peer. */
const SSHD_FROM = /\bfrom\s+\[?([0-9A-Fa-f:.%\w]{2,60}?)\]?\s+port\s+\d{1,5}\b/g;
/** A word naming the client, then its address (`rhost=`, `client:`, `remote_addr`, `src=`, `ip=`, `from`). */
const KEYED =
  /\b(?:from|rhost|client(?:[ _-]?(?:ip|addr(?:ess)?))?|remote(?:[ _-]?(?:ip|addr(?:ess)?))?|src(?:[ _-]?ip)?|source(?:[ _-]?ip)?|ip|peer)\s*[:=]?\s*\[?([0-9A-Fa-f:.]{2,45})(?![\w.:-])/gi;
/** Quoted spans (double or single, matched pairs): what a client sent is quoted in most logs. */
const QUOTED = /"(?:[^"\\]|\\.)*"|'[^'\n]*'/g;

/** An address in a run of address characters: as is, without trailing punctuation, or without a port. */
export function addressIn(run: string): string | null {
  const a = normalizeAddress(run) ?? normalizeAddress(run.replace(/[.:,;]+$/, ''));
  if (a) return a;
  const v4 = /^(\d{1,3}(?:\.\d{1,3}){3}):\d{1,5}$/.exec(run)?.[1];
  return v4 ? normalizeAddress(v4) : null;
}

function firstField(line: string): string | null {
  const first = /^\s*\[?([0-9A-Fa-f:.]{2,45})\]?(?:[\s,]|$)/.exec(line)?.[1];
  return first ? addressIn(first) : null;
}

function jsonObject(line: string): Record<string, unknown> | null {
  if (!line.trimStart().startsWith('{')) return null;
  try {
    const v: unknown = JSON.parse(line);
    return v && typeof v === 'object' && !Array.isArray(v) ? (v as Record<string, unknown>) : null;
  } catch {
    return null;
  }
}

/** A named field: a JSON path (`a.b`), else `name=value` or `name: value` outside quotes. */
function namedField(line: string, name: string): string | null {
  const json = jsonObject(line);
  if (json) {
    let v: unknown = json;
    for (const k of name.split('.'))
      v = v && typeof v === 'object' ? (v as Record<string, unknown>)[k] : null;
    return typeof v === 'string' ? addressIn(v) : null;
  }
  const esc = name.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');
  const m = new RegExp(`(?:^|[\\s,;{])${esc}\\s*[:=]\\s*\\[?([0-9A-Fa-f:.]{2,45})`).exec(
    line.replace(QUOTED, '""'),
  );
  return m?.[1] ? addressIn(m[1]) : null;
}

/**
 * Auto: a JSON line by its named fields only; sshd by its last `from <ip> port N` (before the first field:
 * a relayed syslog line may start with the relay's address); a line starting with an address by that
 * (access logs, whose request, referer and user agent are quoted, so never read); else the one address
 * after a client word outside quotes. Two different ones there is a line someone shaped: nobody is blamed.
 */
function auto(line: string): string | null {
  const json = jsonObject(line);
  if (json) {
    for (const k of JSON_FIELDS) {
      const v = json[k];
      if (typeof v === 'string') return addressIn(v);
    }
    return null;
  }
  const bare = line.replace(QUOTED, '""');
  let sshd: string | null = null;
  for (const m of bare.matchAll(SSHD_FROM)) sshd = m[1] ?? null;
  if (sshd !== null) return addressIn(sshd);
  const first = firstField(line);
  if (first) return first;
  const found = new Set<string>();
  for (const m of bare.matchAll(KEYED)) {
    const a = addressIn(m[1] ?? '');
    if (a) found.add(a);
  }
  return found.size === 1 ? ([...found][0] ?? null) : null;
}

/** The client's address in the line as `spec` says, or null. */
export function clientAddress(line: string, spec: AddressSpec = { kind: 'auto' }): string | null {
  switch (spec.kind) {
    case 'auto':
      return auto(line);
    case 'first_field':
      return firstField(line);
    case 'field':
      return namedField(line, spec.name);
    case 'regex': {
      const m = spec.re.exec(line)?.[1];
      return m ? addressIn(m) : null;
    }
  }
}
