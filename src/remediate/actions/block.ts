import { ActionError, allowList, formatDuration, overlapsNet64 } from '../../core/index.js';
import { baseVars, renderString } from '../template.js';
import type { RemediationAction } from './action.js';
import { addBan, banTarget, ensureBanTable } from './nft.js';
import { blockStep, type ExtendedStep, parseStep } from './steps.js';

const portsText = (ports: readonly number[]) => (ports.length > 0 ? ` on TCP ${ports.join(', ')}` : '');

/** The n-th ban (0 earlier ones: the first) lasts duration × factor^n, at most max: 10m, 40m, 2h40m… */
export function banDuration(p: { duration: number; factor: number; max: number }, earlier: number): number {
  return Math.min(p.max, p.duration * p.factor ** earlier);
}

/**
 * Bans one address in nftables with a timeout, so the ban ends by itself even if Medic is down; a repeat
 * offender's ban is longer (see banDuration). Loopback and the allow-listed networks are refused here too,
 * whatever a template produced. No rollback: a ban whose verification fails (another address keeps the
 * service degraded) stays until it expires, since lifting it would let the attacker back in; `unblock`
 * lifts one by hand.
 */
export const blockAction: RemediationAction<ExtendedStep> = {
  kind: 'block',
  plan(step, service, services, pctx) {
    const s = parseStep(blockStep, step.block, 'block');
    // Only the service's own ports when the config names them: the address may share a NAT with people
    // who use the host's other services.
    const ports = [...new Set(s.ports ?? services[service]?.run?.ports ?? [])].sort((a, b) => a - b);
    // Strictly an address before it can reach an argv: a template that yields anything else is refused.
    const { address, set } = banTarget(renderString(s.address, baseVars(service, pctx?.vars)), ports);
    return {
      kind: 'block',
      target: service,
      params: {
        address,
        set,
        duration: s.duration,
        factor: s.factor,
        max: s.max,
        remember: s.remember,
        verdict: s.verdict,
        netns: s.netns ?? null,
        ports: ports.length > 0 ? ports : null,
      },
      description: `ban ${address}${portsText(ports)} in nftables (${set}) for ${formatDuration(s.duration)} or longer if banned before`,
    };
  },
  async apply(plan, ctx) {
    const p = plan.params as {
      address: string;
      set: string;
      duration: number;
      factor: number;
      max: number;
      remember: number;
      verdict: 'reject' | 'drop';
      netns: string | null;
      ports?: number[] | null;
    };
    const { address, set } = banTarget(p.address, p.ports);
    const net = address.includes('/');
    if (net ? overlapsNet64(address, ctx.allow ?? []) : allowList(ctx.allow ?? []).has(address))
      throw new ActionError(
        `${address} ${net ? 'holds' : 'is'} loopback or allow-listed (security.allow, security.sessions): never banned`,
      );
    const now = ctx.clock?.now() ?? Date.now();
    // The store is the memory that outlives Medic's restarts: one indexed count by address.
    const earlier = (await ctx.history?.countBans(address, now - p.remember)) ?? 0;
    const ms = banDuration(p, earlier);
    const target = { netns: p.netns ?? undefined, signal: ctx.signal };
    await ensureBanTable(target, p.verdict);
    await addBan(target, set, address, ms, p.ports);
    // Recorded once the kernel holds it; a store that fails here costs one step of escalation, not the ban.
    const remembered = await ctx.history?.recordBan({ address, at: now }).then(
      () => true,
      () => false,
    );
    const nth = earlier === 0 ? 'first ban' : `ban ${earlier + 1} within ${formatDuration(p.remember)}`;
    const where = p.netns ? ` in network namespace ${p.netns}` : '';
    const forgot = remembered === false ? '; not recorded: the store failed' : '';
    return `banned ${address}${portsText(p.ports ?? [])} for ${formatDuration(ms)} (${nth}; ${set} of inet medic${where}, expires by itself${forgot})`;
  },
};
