/**
 * The nftables side of bans: table `inet medic` with sets `banned4` and `banned6` (`flags timeout`, so each
 * ban expires in the kernel by itself, whether Medic runs or not), `banned4_ports` and `banned6_ports`
 * (address . TCP port, for a service whose ports the config names) and an input chain rejecting or dropping
 * what they hold. Every command is an argv array; a network namespace is entered with `ip netns exec`.
 */
import { isIP } from 'node:net';
import {
  ActionError,
  type CommandResult,
  ipv6Net64,
  lastLine,
  normalizeAddress,
  runCommand,
} from '../../core/index.js';

export const BAN_TABLE = ['inet', 'medic'] as const;
/** nft's own word for a table or element that is not there (not `ip netns`' for a missing namespace). */
const NOT_THERE = /^Error: .*No such file or directory/m;
export const BAN_CHAIN = 'input';

export interface NftTarget {
  /** A network namespace (`ip netns`); absent: the one Medic runs in. */
  netns?: string | undefined;
  signal: AbortSignal;
}

/** One set of bans and the rule matching it. */
export interface BanSet {
  name: string;
  type: readonly string[];
  flags: string;
  /** What the rule compares with the set (`ip saddr`, `ip saddr . tcp dport`). */
  match: readonly string[];
  /** An IPv6 host set: neighbour discovery is let through, or a banned neighbour could not be answered. */
  nd: boolean;
}

export const BAN_SETS: readonly BanSet[] = [
  { name: 'banned4', type: ['ipv4_addr'], flags: 'timeout', match: ['ip', 'saddr'], nd: false },
  { name: 'banned6', type: ['ipv6_addr'], flags: 'timeout', match: ['ip6', 'saddr'], nd: true },
  {
    name: 'banned4_ports',
    type: ['ipv4_addr', '.', 'inet_service'],
    flags: 'timeout',
    match: ['ip', 'saddr', '.', 'tcp', 'dport'],
    nd: false,
  },
  {
    name: 'banned6_ports',
    type: ['ipv6_addr', '.', 'inet_service'],
    flags: 'timeout',
    match: ['ip6', 'saddr', '.', 'tcp', 'dport'],
    nd: false,
  },
  // IPv6 /64s (one host may hold a whole /64): interval sets, since an element is a prefix.
  { name: 'banned6_nets', type: ['ipv6_addr'], flags: 'interval,timeout', match: ['ip6', 'saddr'], nd: true },
  {
    name: 'banned6_nets_ports',
    type: ['ipv6_addr', '.', 'inet_service'],
    flags: 'interval,timeout',
    match: ['ip6', 'saddr', '.', 'tcp', 'dport'],
    nd: false,
  },
];

/** A ban in the kernel's set now. */
export interface BanEntry {
  set: string;
  address: string;
  /** The TCP port it covers; null: every port. */
  port: number | null;
  /** Seconds, as nft reports them. */
  timeout: number | null;
  expires: number | null;
}

/**
 * The address (or IPv6 /64, written `net::/64`), strictly checked before it reaches any argv, with the set
 * that bans it: the service's TCP ports only when `ports` names some, else every port.
 */
export function banTarget(raw: string, ports?: readonly number[] | null): { address: string; set: string } {
  const [addr = '', bits, extra] = raw.trim().split('/');
  const net = bits === '64' && extra === undefined ? ipv6Net64(addr) : null;
  const address = bits === undefined ? normalizeAddress(addr) : net;
  // A /64 must be written as its network (no host bits), so the ban and its finding name the same thing.
  if (!address || addr.startsWith('-') || (net !== null && net.split('/')[0] !== normalizeAddress(addr)))
    throw new ActionError(`not an IP address or IPv6 /64: ${JSON.stringify(raw)}`);
  const base = net ? 'banned6_nets' : isIP(address) === 4 ? 'banned4' : 'banned6';
  return { address, set: ports && ports.length > 0 ? `${base}_ports` : base };
}

export function nftArgv(t: Pick<NftTarget, 'netns'>, args: readonly string[]): string[] {
  return [...(t.netns ? ['ip', 'netns', 'exec', t.netns] : []), 'nft', ...args];
}

async function run(t: NftTarget, args: readonly string[]): Promise<CommandResult> {
  const argv = nftArgv(t, args);
  const res = await runCommand(argv, { signal: t.signal });
  if (res.error) throw new ActionError(res.error);
  if (res.aborted) throw new ActionError(`${argv.join(' ')} timed out and was killed`);
  return res;
}

async function checked(t: NftTarget, args: readonly string[]): Promise<CommandResult> {
  const res = await run(t, args);
  if (res.code !== 0)
    throw new ActionError(`nft ${args.join(' ')} exited ${res.code}: ${lastLine(res.stderr || res.stdout)}`);
  return res;
}

type NftVal = string | number | { prefix: { addr: string; len: number } } | { concat: NftVal[] };

interface NftJsonItem {
  set?: { name: string; elem?: (NftVal | { elem: { val: NftVal; timeout?: number; expires?: number } })[] };
  rule?: { chain: string; expr?: Record<string, unknown>[] };
}

interface TableNow {
  bans: BanEntry[];
  sets: Set<string>;
  /** Sets a rule of the chain rejects or drops. */
  enforced: Set<string>;
  /** Sets whose neighbour discovery a rule lets through. */
  ndExempt: Set<string>;
}

function valText(v: NftVal | undefined): string {
  if (typeof v === 'object' && 'prefix' in v) return `${v.prefix.addr}/${v.prefix.len}`;
  return String(v ?? '');
}

/** What the table holds now: its sets' bans and the rules over them; null when there is no table. */
async function readTable(t: NftTarget): Promise<TableNow | null> {
  const res = await run(t, ['-j', 'list', 'table', ...BAN_TABLE]);
  if (res.code !== 0) {
    if (NOT_THERE.test(res.stderr)) return null;
    throw new ActionError(`nft list table exited ${res.code}: ${lastLine(res.stderr || res.stdout)}`);
  }
  const items = (JSON.parse(res.stdout) as { nftables: NftJsonItem[] }).nftables;
  const now: TableNow = { bans: [], sets: new Set(), enforced: new Set(), ndExempt: new Set() };
  for (const it of items) {
    if (it.set) {
      now.sets.add(it.set.name);
      for (const e of it.set.elem ?? []) {
        const el = typeof e === 'object' && 'elem' in e ? e.elem : { val: e };
        const [addr, port] = typeof el.val === 'object' && 'concat' in el.val ? el.val.concat : [el.val];
        now.bans.push({
          set: it.set.name,
          address: valText(addr),
          port: typeof port === 'number' ? port : null,
          timeout: el.timeout ?? null,
          expires: el.expires ?? null,
        });
      }
    }
    if (it.rule?.chain !== BAN_CHAIN) continue;
    const expr = it.rule.expr ?? [];
    const right = expr.map((x) => (x['match'] as { right?: unknown } | undefined)?.right);
    const set = right.find((r): r is string => typeof r === 'string' && r.startsWith('@'))?.slice(1);
    if (!set) continue;
    if (expr.some((x) => 'reject' in x || 'drop' in x)) now.enforced.add(set);
    if (expr.some((x) => 'accept' in x)) now.ndExempt.add(set);
  }
  return now;
}

/**
 * Creates what is missing of the table, its sets, its chain and its rules (each `add` of a table, set or
 * chain is a no-op when it exists; a rule is added only when the chain lacks it), and returns the bans in the
 * sets now. Everything missing goes in one `nft` invocation (commands joined by `;`): one transaction, so a
 * half-made table is never left, and one process to start however loaded the host is.
 */
export async function ensureBanTable(t: NftTarget, verdict: 'reject' | 'drop'): Promise<BanEntry[]> {
  const now = await readTable(t);
  const complete = now && BAN_SETS.every((s) => now.sets.has(s.name) && now.enforced.has(s.name));
  if (now && complete) return now.bans;
  const table = [...BAN_TABLE];
  const commands: string[][] = [['add', 'table', ...table]];
  for (const s of BAN_SETS)
    commands.push(['add', 'set', ...table, s.name, '{', 'type', ...s.type, ';', 'flags', s.flags, ';', '}']);
  // Before the usual filter chains (priority 0), so a ban holds whatever else the host's firewall accepts.
  commands.push([
    'add',
    'chain',
    ...table,
    BAN_CHAIN,
    '{',
    'type',
    'filter',
    'hook',
    'input',
    'priority',
    '-10',
    ';',
    'policy',
    'accept',
    ';',
    '}',
  ]);
  for (const s of BAN_SETS)
    if (!now?.enforced.has(s.name))
      commands.push(['add', 'rule', ...table, BAN_CHAIN, ...s.match, `@${s.name}`, verdict]);
  // A banned IPv6 neighbour must still answer neighbour discovery, or the namespace cannot send it the
  // rejection (nor reach it once the ban is over): inserted first, ahead of the rule that rejects it.
  for (const s of BAN_SETS)
    if (s.nd && !now?.ndExempt.has(s.name))
      commands.push([
        'insert',
        'rule',
        ...table,
        BAN_CHAIN,
        ...s.match,
        `@${s.name}`,
        'icmpv6',
        'type',
        '{',
        'nd-neighbor-solicit',
        ',',
        'nd-neighbor-advert',
        '}',
        'accept',
      ]);
  await checked(
    t,
    commands.flatMap((c, i) => (i === 0 ? c : [';', ...c])),
  );
  return now?.bans ?? [];
}

/**
 * Adds (or renews: nft replaces the timeout of an element already there) a ban lasting `ms`: of every port,
 * or of each of `ports` when its set is a ports set.
 */
export async function addBan(
  t: NftTarget,
  set: string,
  address: string,
  ms: number,
  ports?: readonly number[] | null,
): Promise<void> {
  const timeout = ['timeout', `${Math.max(1, Math.ceil(ms / 1000))}s`];
  const keys = set.endsWith('_ports') ? (ports ?? []).map((p) => [address, '.', String(p)]) : [[address]];
  if (keys.length === 0) throw new ActionError(`${set} needs the ports to ban`);
  const elems = keys.flatMap((k, i) => [...(i > 0 ? [','] : []), ...k, ...timeout]);
  await checked(t, ['add', 'element', ...BAN_TABLE, set, '{', ...elems, '}']);
}

/**
 * Removes every ban of `address` (of all ports or some, read from the table first); false when it had none
 * (or there is no table).
 */
export async function removeBan(t: NftTarget, address: string): Promise<boolean> {
  const bans = ((await readTable(t))?.bans ?? []).filter((b) => b.address === address);
  for (const b of bans) {
    const key = b.port === null ? [b.address] : [b.address, '.', String(b.port)];
    const res = await run(t, ['delete', 'element', ...BAN_TABLE, b.set, '{', ...key, '}']);
    // Expired between the listing and now: gone all the same.
    if (res.code !== 0 && !NOT_THERE.test(res.stderr))
      throw new ActionError(`nft delete element exited ${res.code}: ${lastLine(res.stderr || res.stdout)}`);
  }
  return bans.length > 0;
}

/** The bans in the kernel now (an empty list when Medic has never banned anything there). */
export async function listBans(t: NftTarget): Promise<BanEntry[]> {
  return (await readTable(t))?.bans ?? [];
}
