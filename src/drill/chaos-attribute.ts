/** A fault still waiting to be seen, as attribution reads it. */
export interface Undetected {
  n: number;
  service: string;
  injectedAt: number;
  /** The finding kinds that are the fault's proper detection (Fault.expect). */
  expect: readonly string[];
  /** It builds up (a leak, a disk filling) and shows only through `expect` findings (Fault.gradual). */
  gradual: boolean;
}

/**
 * Which of the faults not yet seen a finding on `service` detects, when faults overlap. In order, the first
 * that has any:
 * 1. a fault of the service whose proper detection this finding's kind is (a forecast of a leak);
 * 2. a fault of the service that shows at once (its hang makes its checks fail);
 * 3. faults of its upstreams, each upstream service alike (a proxy fails because the app behind it hangs;
 *    an app's health fails because its cache hangs, not because of a leak it also has), unless a fault of
 *    the service itself, seen and still in force, explains the finding (the app's health failing after its
 *    own crash is not the database saturated a second later);
 * 4. a slow fault of the service, shown otherwise (a leak ending in a kill), then of its upstreams, unless a
 *    fault already seen on the service or an upstream is still in force (`inForce`) and explains it.
 * Within one service the newest injected fault wins: an older one that had not shown yet did not make it.
 */
export function attribute(
  lives: readonly Undetected[],
  finding: { service: string; kind: string },
  upstreamOf: (service: string) => Iterable<string>,
  inForce: readonly { service: string }[] = [],
): number[] {
  const ups = new Set(upstreamOf(finding.service));
  const own = lives.filter((l) => l.service === finding.service);
  const upstream = lives.filter((l) => ups.has(l.service));
  const proper = (l: Undetected) => l.expect.includes(finding.kind);
  const prompt = (l: Undetected) => !l.gradual || proper(l);
  // A fault already seen on the service or an upstream, still in force, explains the finding: no slow fault
  // is taken as shown by it (the app's health failing while its cache hangs is not its disk filling; a
  // proxy's check failing after its own crash is not the leak of the app behind it).
  const explained = inForce.some((o) => o.service === finding.service || ups.has(o.service));
  const ownInForce = inForce.some((o) => o.service === finding.service);
  const stages = [
    own.filter(proper),
    own.filter((l) => !l.gradual),
    ownInForce ? [] : upstream.filter(prompt),
    explained ? [] : own,
    explained ? [] : upstream,
  ];
  for (const stage of stages) if (stage.length > 0) return newestPerService(stage);
  return [];
}

function newestPerService(ls: readonly Undetected[]): number[] {
  const newest = new Map<string, Undetected>();
  for (const l of ls) {
    const cur = newest.get(l.service);
    if (!cur || l.injectedAt >= cur.injectedAt) newest.set(l.service, l);
  }
  return [...newest.values()].map((l) => l.n);
}
