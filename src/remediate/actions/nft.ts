/**
 * The nftables side of bans: table `inet medic` with sets `banned4` and `banned6` (`flags timeout`, so each
 * ban expires in the kernel by itself, whether Medic runs or not) and an input chain rejecting or dropping
 * what they hold. Every command is an argv array; a network namespace is entered with `ip netns exec`.
 */
import { isIP } from 'node:net';
import { ActionError, type CommandResult, lastLine, normalizeAddress, runCommand } from '../../core/index.js';

export const BAN_TABLE = ['inet', 'medic'] as const;
/** nft's own word for a table or element that is not there (not `ip netns`' for a missing namespace). */
const NOT_THERE = /^Error: .*No such file or directory/m;
export const BAN_CHAIN = 'input';

export interface NftTarget {
  /** A network namespace (`ip netns`); absent: the one Medic runs in. */
  netns?: string | undefined;
  signal: AbortSignal;
}

/** A ban in the kernel's set now. */
export interface BanEntry {
  address: string;
  /** Seconds, as nft reports them. */
  timeout: number | null;
  expires: number | null;
}

/** The address, strictly checked before it reaches any argv, with the set of its family. */
export function banTarget(raw: string): { address: string; set: 'banned4' | 'banned6' } {
  const address = normalizeAddress(raw);
  if (!address || raw.trim().startsWith('-'))
    throw new ActionError(`not an IP address: ${JSON.stringify(raw)}`);
  return { address, set: isIP(address) === 4 ? 'banned4' : 'banned6' };
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

interface NftJsonItem {
  set?: { name: string; elem?: (string | { elem: { val: string; timeout?: number; expires?: number } })[] };
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
        const el = typeof e === 'string' ? { val: e } : e.elem;
        now.bans.push({ address: el.val, timeout: el.timeout ?? null, expires: el.expires ?? null });
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
 * sets now.
 */
export async function ensureBanTable(t: NftTarget, verdict: 'reject' | 'drop'): Promise<BanEntry[]> {
  const now = await readTable(t);
  const complete = now && ['banned4', 'banned6'].every((s) => now.sets.has(s) && now.enforced.has(s));
  if (now && complete) return now.bans;
  const table = [...BAN_TABLE];
  await checked(t, ['add', 'table', ...table]);
  for (const [set, type] of [
    ['banned4', 'ipv4_addr'],
    ['banned6', 'ipv6_addr'],
  ] as const)
    await checked(t, ['add', 'set', ...table, set, '{', 'type', type, ';', 'flags', 'timeout', ';', '}']);
  // Before the usual filter chains (priority 0), so a ban holds whatever else the host's firewall accepts.
  await checked(t, [
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
  for (const [set, proto] of [
    ['banned4', 'ip'],
    ['banned6', 'ip6'],
  ] as const)
    if (!now?.enforced.has(set))
      await checked(t, ['add', 'rule', ...table, BAN_CHAIN, proto, 'saddr', `@${set}`, verdict]);
  // A banned IPv6 neighbour must still answer neighbour discovery, or the namespace cannot send it the
  // rejection (nor reach it once the ban is over): inserted first, ahead of the rule that rejects it.
  if (!now?.ndExempt.has('banned6'))
    await checked(t, [
      'insert',
      'rule',
      ...table,
      BAN_CHAIN,
      'ip6',
      'saddr',
      '@banned6',
      'icmpv6',
      'type',
      '{',
      'nd-neighbor-solicit',
      ',',
      'nd-neighbor-advert',
      '}',
      'accept',
    ]);
  return now?.bans ?? [];
}

/** Adds (or renews: nft replaces the timeout of an element already there) a ban lasting `ms`. */
export async function addBan(t: NftTarget, set: string, address: string, ms: number): Promise<void> {
  const seconds = Math.max(1, Math.ceil(ms / 1000));
  await checked(t, ['add', 'element', ...BAN_TABLE, set, '{', address, 'timeout', `${seconds}s`, '}']);
}

/** Removes a ban; false when the address was not banned (or the table is not there). */
export async function removeBan(t: NftTarget, set: string, address: string): Promise<boolean> {
  const res = await run(t, ['delete', 'element', ...BAN_TABLE, set, '{', address, '}']);
  if (res.code === 0) return true;
  if (NOT_THERE.test(res.stderr)) return false;
  throw new ActionError(`nft delete element exited ${res.code}: ${lastLine(res.stderr || res.stdout)}`);
}

/** The bans in the kernel now (an empty list when Medic has never banned anything there). */
export async function listBans(t: NftTarget): Promise<BanEntry[]> {
  return (await readTable(t))?.bans ?? [];
}
