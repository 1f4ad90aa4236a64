import type { Store } from '../store/index.js';
import type { Fault } from './faults/index.js';

/**
 * The cause Medic diagnosed for `service` in these incidents, as the timeline records it (kind `diagnosis`,
 * data.service and data.cause): the first named cause, else `unknown` when every diagnosis named none, else
 * null when the service was never diagnosed. A diagnosis is made again when the first named no cause and new
 * evidence arrives, so the first named cause is the one the heal acted on. `window`: only diagnoses made in
 * it (a chaos run's incident may hold the diagnoses of several faults).
 */
export async function diagnosedCause(
  store: Pick<Store, 'timeline'>,
  incidentIds: readonly string[],
  service: string,
  window: { from: number; to: number } = { from: 0, to: Number.POSITIVE_INFINITY },
): Promise<string | null> {
  return (await diagnosed(store, incidentIds, service, window)).cause;
}

/**
 * The same, with the service the diagnosis named as the one to act on (`target`), when it is not the
 * service itself: a dependent's diagnosis that blames the upstream it waits on (`hung`, target cache).
 * `actedAt`: when the service's first heal in the window was decided. The cause it acted on is the last
 * diagnosis before it: a service diagnosed while an upstream failed is diagnosed again once the upstream is
 * well, before its own heal, and that look, not the one through the upstream's trouble, is what the heal
 * followed (when it named no cause, the first named after it, which the retry followed).
 */
export async function diagnosed(
  store: Pick<Store, 'timeline'>,
  incidentIds: readonly string[],
  service: string,
  window: { from: number; to: number } = { from: 0, to: Number.POSITIVE_INFINITY },
  actedAt?: number,
): Promise<{ cause: string | null; target: string | null }> {
  const found: { cause: string; target: string | null; at: number }[] = [];
  for (const id of incidentIds) {
    const entries = await store.timeline(id).catch(() => []);
    for (const e of entries) {
      if (e.kind !== 'diagnosis' || e.data['service'] !== service) continue;
      if (e.at < window.from || e.at > window.to) continue;
      const cause = e.data['cause'];
      const target = e.data['target'];
      found.push({
        at: e.at,
        cause: typeof cause === 'string' ? cause : 'unknown',
        target: typeof target === 'string' && target !== service ? target : null,
      });
    }
  }
  // The first in time, whichever incident holds it: a merged incident's diagnosis may come before its own.
  found.sort((a, b) => a.at - b.at);
  // The latest look before the heal is what it followed; when that look named nothing, the first cause named
  // after it (the look again after that heal failed) is what the retry followed.
  const latest = actedAt === undefined ? undefined : found.filter((c) => c.at <= actedAt).at(-1);
  const actedOn =
    latest === undefined
      ? undefined
      : latest.cause !== 'unknown'
        ? latest
        : found.find((c) => c.cause !== 'unknown' && c.at > latest.at);
  const named = actedOn ?? found.find((c) => c.cause !== 'unknown');
  if (named) return { cause: named.cause, target: named.target };
  return { cause: found.length > 0 ? 'unknown' : null, target: null };
}

/** Whether the cause is one a right diagnosis of the fault names. */
export function causeOk(fault: Pick<Fault, 'expectCause'>, cause: string | null): boolean {
  return cause !== null && fault.expectCause.includes(cause);
}
