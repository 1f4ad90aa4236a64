import type { LoadedConfig } from '../config/index.js';
import type { ChaosCandidate } from './chaos-plan.js';
import type { Fault } from './faults/index.js';
import { fittingServices, targetEnv } from './target.js';

/**
 * Whether the service runs examples/demo-service: its `GET /` names the program and the pid of the process
 * Medic supervises. A proxy in front of the demo answers with the demo's pid, not its own, so it does not
 * count: a fault switch sent through it would break the service behind it.
 */
export async function runsDemo(loaded: LoadedConfig, service: string, pid: number | null): Promise<boolean> {
  const url = targetEnv(loaded, service).url;
  if (!url || pid === null) return false;
  try {
    const res = await fetch(`${url}/`, { signal: AbortSignal.timeout(2_000) });
    const body = (await res.json()) as { service?: unknown; pid?: unknown };
    return body.service === 'demo-service' && body.pid === pid;
  } catch {
    return false;
  }
}

/**
 * Each fault with the services it fits: by role and needs (target.ts), and, for a fault that works through the
 * demo service's own features, only services that run it (asked of the running services, once, at the start).
 */
export async function chaosCandidates(
  loaded: LoadedConfig,
  list: readonly Fault[],
  pid: (service: string) => number | null,
): Promise<ChaosCandidate[]> {
  const demo = new Map<string, boolean>();
  const isDemo = async (s: string) => {
    if (!demo.has(s)) demo.set(s, await runsDemo(loaded, s, pid(s)));
    return demo.get(s)!;
  };
  const out: ChaosCandidate[] = [];
  for (const fault of list) {
    const services: string[] = [];
    for (const s of fault.chaos === false ? [] : fittingServices(loaded, fault)) {
      if (fault.program === 'demo-service' && !(await isDemo(s))) continue;
      services.push(s);
    }
    out.push({ fault: fault.name, services });
  }
  return out;
}
