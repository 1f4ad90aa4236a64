import type { Medic } from '../daemon/index.js';
import type { Fault } from './faults/index.js';
import type { DrillRun } from './report.js';

export interface DrillOptions {
  service: string;
  runs: number;
  /** Longest a run may take from injection to healed. */
  timeoutMs: number;
  onRun?(r: DrillRun): void;
  onProgress?(msg: string): void;
}

/**
 * Injects a fault into a running Medic's service, N times, and measures what Medic did: time to the first
 * finding (MTTD) and time until the service is healthy and its incident resolved (MTTR).
 */
export async function runDrill(medic: Medic, fault: Fault, opts: DrillOptions): Promise<DrillRun[]> {
  const out: DrillRun[] = [];
  for (let run = 1; run <= opts.runs; run++) {
    opts.onProgress?.(`${fault.name} ${run}/${opts.runs}: waiting for ${opts.service} to be healthy`);
    await waitHealthy(medic, opts.service, 60_000);
    const r = await oneRun(medic, fault, opts, run);
    out.push(r);
    opts.onRun?.(r);
  }
  return out;
}

async function oneRun(medic: Medic, fault: Fault, opts: DrillOptions, run: number): Promise<DrillRun> {
  const { service } = opts;
  const pid = medic.supervisor.pid(service);
  if (pid === null) throw new Error(`${service} has no running process to inject ${fault.name} into`);
  let detectedAt: number | null = null;
  let incidentId: string | null = null;
  let resolvedAt: number | null = null;
  let done: () => void = () => {};
  const finished = new Promise<void>((resolve) => {
    done = resolve;
  });
  const offs = [
    medic.bus.on('finding', (f) => {
      if (f.service === service && detectedAt === null) detectedAt = medic.clock.now();
    }),
    medic.bus.on('incident', ({ incident, change }) => {
      if (incident.service !== service) return;
      if (change === 'opened' && incidentId === null) incidentId = incident.id;
      if (change === 'resolved' && incident.id === incidentId) {
        resolvedAt = medic.clock.now();
        done();
      }
    }),
  ];
  const t0 = medic.clock.now();
  await fault.inject({ service, pid });
  const timer = setTimeout(done, opts.timeoutMs);
  await finished;
  clearTimeout(timer);
  for (const off of offs) off();
  const healed = resolvedAt !== null && medic.health.get(service) === 'healthy';
  let note: string | undefined;
  if (!healed) {
    note = `not healed within ${opts.timeoutMs} ms; fault undone by the drill`;
    await fault.undo({ service, pid });
    await medic.engine.resetGuard(service, 'drill', 'drill clean-up');
  }
  const actions = incidentId ? (await medic.store.listActions({ incidentId, limit: 500 })).items.length : 0;
  await medic.engine.idle();
  return {
    fault: fault.name,
    run,
    detected: detectedAt !== null,
    healed,
    mttd_ms: detectedAt === null ? null : detectedAt - t0,
    mttr_ms: healed && resolvedAt !== null ? resolvedAt - t0 : null,
    actions,
    incident: incidentId,
    ...(note ? { note } : {}),
  };
}

/** Resolves when the service is healthy with no active incident; throws after `timeoutMs`. */
export async function waitHealthy(medic: Medic, service: string, timeoutMs: number): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (Date.now() < deadline) {
    if (medic.health.get(service) === 'healthy' && !(await medic.store.activeIncident(service))) return;
    await new Promise((r) => setTimeout(r, 100));
  }
  throw new Error(
    `${service} was not healthy within ${timeoutMs} ms (is another Medic or program holding its port?)`,
  );
}
