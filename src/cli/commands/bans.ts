/**
 * `medic bans` (what the kernel holds now, per firewall the config bans in) and `medic unblock ADDRESS`
 * (lift every ban of it at once, journaled under the token's name; operator), through the daemon's API.
 */
import type { Command } from 'commander';
import { api, apiUrl } from '../client.js';

interface Opts {
  config?: string;
  url?: string;
  json?: boolean;
  netns?: string;
  reason?: string;
}

interface Ban {
  set: string;
  address: string;
  port: number | null;
  timeout: number | null;
  expires: number | null;
}

interface Place {
  netns: string | null;
  services: string[];
  bans: Ban[];
  error: string | null;
}

const target = (cmd: Command) =>
  cmd
    .option('-c, --config <file>', 'medic.yaml (to find the API)')
    .option('--url <url>', 'API base URL')
    .option('--json', 'print JSON');

const where = (netns: string | null) =>
  netns === null ? "the host's firewall" : `network namespace ${netns}`;

/** The bans as lines a person reads: one heading per firewall, one line per address. */
export function describeBans(places: readonly Place[]): string {
  if (places.length === 0) return 'no playbook of this config bans';
  const out: string[] = [];
  for (const p of places) {
    out.push(`${where(p.netns)} (${p.services.join(', ')}):`);
    if (p.error) out.push(`  cannot read it: ${p.error}`);
    else if (p.bans.length === 0) out.push('  nobody is banned');
    const byAddress = new Map<string, Ban[]>();
    for (const b of p.bans) byAddress.set(b.address, [...(byAddress.get(b.address) ?? []), b]);
    for (const [address, bans] of byAddress) {
      const ports = bans.map((b) => b.port).filter((x): x is number => x !== null);
      const left = Math.max(...bans.map((b) => b.expires ?? 0));
      const length = Math.max(...bans.map((b) => b.timeout ?? 0));
      out.push(
        `  ${address}  ${ports.length > 0 ? `TCP ${ports.join(', ')}` : 'every port'}  ${left} s left of ${length} s`,
      );
    }
  }
  return out.join('\n');
}

export function registerBans(program: Command): void {
  target(program.command('bans').description('the bans the kernel holds now, with their time left')).action(
    async (opts: Opts) => {
      const r = await api<{ places: Place[] }>(await apiUrl(opts), '/api/security/bans');
      console.log(opts.json ? JSON.stringify(r, null, 2) : describeBans(r.places));
    },
  );

  target(
    program
      .command('unblock <address>')
      .description('lift every ban of an address now (journaled under your name; operator)')
      .option('--netns <name>', "the network namespace the ban is in (default: the host's firewall)")
      .option('--reason <text>', 'why, for the journal'),
  ).action(async (address: string, opts: Opts) => {
    const r = await api<{ lifted: boolean; action: { id: string } }>(
      await apiUrl(opts),
      '/api/security/bans/unblock',
      {
        method: 'POST',
        body: JSON.stringify({
          address,
          netns: opts.netns ?? null,
          ...(opts.reason ? { reason: opts.reason } : {}),
        }),
      },
    );
    const text = r.lifted
      ? `ban of ${address} lifted in ${where(opts.netns ?? null)} (action ${r.action.id})`
      : `${address} was not banned in ${where(opts.netns ?? null)}`;
    console.log(opts.json ? JSON.stringify(r, null, 2) : text);
  });
}
