/**
 * Bans as a person sees them: what the kernel holds now in each firewall the config bans in, and lifting one
 * by hand. The kernel's sets are the truth (a ban expires there by itself, Medic running or not), so the list
 * is read from them each time, never from a copy that could disagree after a restart.
 */
import type { LoadedConfig } from '../config/index.js';
import { type Action, ActionError, errorMessage, MedicError, newId } from '../core/index.js';
import { type BanEntry, banTarget, listBans, removeBan } from './actions/nft.js';
import type { Journal } from './journal.js';

/** One firewall bans go into: a network namespace, or the host's own (null). */
export interface BanPlace {
  netns: string | null;
  /** The services whose playbooks ban there. */
  services: string[];
  bans: BanEntry[];
  /** Why the kernel could not be read there (no such namespace, nft missing, not root). */
  error: string | null;
}

/** Every firewall a `block` step of the config bans in, with the services whose playbooks name it. */
export function banPlaces(loaded: LoadedConfig): Map<string | null, Set<string>> {
  const places = new Map<string | null, Set<string>>();
  for (const p of Object.values(loaded.config.playbooks)) {
    for (const step of p.steps) {
      if (!step.block) continue;
      const netns = step.block.netns ?? null;
      const services = places.get(netns) ?? new Set<string>();
      const on = p.when.service;
      for (const s of on === undefined || on === '*' ? Object.keys(loaded.config.services) : [on])
        services.add(s);
      places.set(netns, services);
    }
  }
  return places;
}

/** The bans each place holds now. A place that cannot be read says why; the others are still listed. */
export async function currentBans(loaded: LoadedConfig, timeoutMs = 5_000): Promise<BanPlace[]> {
  const out: BanPlace[] = [];
  for (const [netns, services] of banPlaces(loaded)) {
    const place: BanPlace = { netns, services: [...services].sort(), bans: [], error: null };
    try {
      place.bans = await listBans({ netns: netns ?? undefined, signal: AbortSignal.timeout(timeoutMs) });
    } catch (err) {
      place.error = errorMessage(err);
    }
    out.push(place);
  }
  return out;
}

export interface LiftRequest {
  address: string;
  /** The place's namespace; null or absent: the host's firewall. */
  netns?: string | null;
  actor: string;
  reason?: string;
}

/**
 * Lifts every ban of an address in one place, by a person's word: journaled as an `unblock` step (intent
 * first, then applied or failed) under the person's name, so it is audited like any action. Only a place
 * the config bans in may be named: the API never becomes a way to edit some other firewall.
 */
export async function liftBan(
  d: { config(): LoadedConfig; journal: Pick<Journal, 'intend' | 'move'> },
  req: LiftRequest,
): Promise<{ action: Action; lifted: boolean }> {
  const netns = req.netns ?? null;
  const services = banPlaces(d.config()).get(netns);
  if (!services)
    throw new MedicError(
      'bad_request',
      `no playbook of this config bans in ${netns === null ? "the host's firewall" : `network namespace ${netns}`}`,
    );
  let address: string;
  try {
    address = banTarget(req.address).address;
  } catch (err) {
    throw new MedicError('bad_request', errorMessage(err));
  }
  const where = netns === null ? '' : ` in network namespace ${netns}`;
  const action = await d.journal.intend(
    {
      id: newId('act'),
      incidentId: null,
      service: [...services].sort()[0] ?? '*',
      playbook: 'manual',
      step: 0,
      kind: 'unblock',
      params: { address, netns, description: `lift the ban of ${address}${where}` },
      state: 'planned',
      dryRun: false,
      reason: req.reason?.trim() || `${req.actor} lifted the ban of ${address} by hand`,
    },
    `lift the ban of ${address}${where}`,
    req.actor,
  );
  try {
    const lifted = await removeBan(
      { netns: netns ?? undefined, signal: AbortSignal.timeout(10_000) },
      address,
    );
    const done = await d.journal.move(
      action.id,
      'applied',
      lifted ? `ban of ${address} lifted${where}` : `${address} was not banned${where}`,
      req.actor,
    );
    return { action: done, lifted };
  } catch (err) {
    await d.journal.move(action.id, 'failed', errorMessage(err), req.actor);
    throw new ActionError(`cannot lift the ban of ${address}${where}: ${errorMessage(err)}`);
  }
}
