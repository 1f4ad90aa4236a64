import type { Action } from '../core/index.js';
import { errorMessage, formatDuration } from '../core/index.js';
import type { Medic } from '../daemon/index.js';
import { causeOk, diagnosedCause } from './cause.js';
import type { Fault, FaultTarget } from './faults/index.js';
import { type DrillRun, type FaultReport, faultReport } from './report.js';
import { missingNeed, targetEnv, targetService } from './target.js';

export interface DrillOptions {
  /** The service to break (default: the one the fault's role names; see target.ts). */
  service?: string;
  runs: number;
  /** Longest a run may take from injection to healed. */
  timeoutMs: number;
  /** Longest to wait for the whole system to be healthy before a run (default 90 s). */
  healthyTimeoutMs?: number;
  /** After the last incident resolved, how long nothing new may happen before the run counts as healed. */
  settleMs?: number;
  onRun?(r: DrillRun): void;
  onProgress?(msg: string): void;
}

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

/**
 * Injects a fault into a running Medic's service, N times, and measures what Medic did across the whole
 * system: time to the first finding (MTTD), time until every incident the fault caused resolved and every
 * service is healthy (MTTR), the root cause the incidents name (service, and the cause diagnosed for it), and
 * the actions taken (collateral: on a service that was not at fault). Between runs it waits until everything is healthy.
 */
export async function runDrill(medic: Medic, fault: Fault, opts: DrillOptions): Promise<DrillRun[]> {
  const service = targetService(medic.config(), fault, opts.service);
  if (!service) {
    throw new Error(
      opts.service
        ? `${opts.service} is not a supervised service of ${medic.config().file}`
        : `no supervised service in ${medic.config().file} fits ${fault.name} (role ${fault.role ?? 'app'})`,
    );
  }
  const missing = missingNeed(fault, targetEnv(medic.config(), service));
  if (missing) throw new Error(`${fault.name} needs ${missing} on ${service}`);
  const out: DrillRun[] = [];
  for (let run = 1; run <= opts.runs; run++) {
    opts.onProgress?.(`${fault.name} ${run}/${opts.runs}: waiting for every service to be healthy`);
    await waitAllHealthy(medic, opts.healthyTimeoutMs ?? 90_000);
    const r = await oneRun(medic, fault, service, opts, run);
    out.push(r);
    opts.onRun?.(r);
  }
  return out;
}

/**
 * `drill all`: each fault in turn, those that do not fit the config skipped with the reason. A fault whose
 * runs throw (the system never got healthy, an injection failed) is reported with the error as its note.
 */
export async function runAll(
  medic: Medic,
  list: readonly Fault[],
  opts: Omit<DrillOptions, 'service' | 'onRun'> & { onFault?(r: FaultReport): void },
): Promise<FaultReport[]> {
  const reports: FaultReport[] = [];
  for (const fault of list) {
    const service = targetService(medic.config(), fault);
    const missing = service
      ? missingNeed(fault, targetEnv(medic.config(), service))
      : `a supervised service with role ${fault.role ?? 'app'}`;
    let report: FaultReport;
    if (missing) {
      report = faultReport(fault.name, service, [], `needs ${missing}`);
    } else {
      const runs: DrillRun[] = [];
      try {
        await runDrill(medic, fault, { ...opts, onRun: (r) => runs.push(r) });
        report = faultReport(fault.name, service, runs);
      } catch (err) {
        report = faultReport(fault.name, service, runs);
        report.notes.push(`drill stopped: ${errorMessage(err)}`);
        opts.onProgress?.(`${fault.name}: ${errorMessage(err)}`);
        await cleanUp(medic, fault.name, [], opts.onProgress).catch(() => {});
      }
    }
    reports.push(report);
    opts.onFault?.(report);
  }
  return reports;
}

async function oneRun(
  medic: Medic,
  fault: Fault,
  service: string,
  opts: DrillOptions,
  run: number,
): Promise<DrillRun> {
  const pid = medic.supervisor.pid(service);
  if (pid === null) throw new Error(`${service} has no running process to inject ${fault.name} into`);
  const target: FaultTarget = { service, pid, env: targetEnv(medic.config(), service) };
  const settleMs = opts.settleMs ?? 2_000;

  let first: { at: number; label: string } | null = null;
  const seen = new Set<string>();
  const expectedKinds = new Set(fault.expect ?? []);
  let expectedSeen = false;
  const incidents = new Map<string, { resolvedAt: number | null }>();
  const actions = new Map<string, Action>();
  let escalated: string | null = null;
  let waitingForHuman: string | null = null;
  const offs = [
    medic.bus.on('finding', (f) => {
      const label = `${f.service}/${f.check}:${f.kind}`;
      seen.add(label);
      if (f.service === service && expectedKinds.has(f.kind)) expectedSeen = true;
      if (first === null) first = { at: medic.clock.now(), label };
    }),
    medic.bus.on('incident', ({ incident, change }) => {
      if (change === 'opened' && !incidents.has(incident.id))
        incidents.set(incident.id, { resolvedAt: null });
      const mine = incidents.get(incident.id);
      if (!mine) return;
      // The incident's own stamp, as the store keeps it: `medic report` reads the same number back.
      if (incident.state === 'resolved' || incident.state === 'suppressed')
        mine.resolvedAt = incident.resolvedAt ?? medic.clock.now();
      else mine.resolvedAt = null;
      if (incident.state === 'escalated') escalated ??= `${incident.service} escalated`;
    }),
    medic.bus.on('action', (a) => {
      actions.set(a.id, a);
      if (a.state === 'awaiting_approval') waitingForHuman ??= `${a.service} ${a.playbook}: ${a.reason}`;
    }),
    medic.bus.on('escalation', (e) => {
      escalated ??= `${e.service} escalated: ${e.reason}`;
    }),
  ];

  const t0 = medic.clock.now();
  const deadline = Date.now() + opts.timeoutMs;
  let healedAt: number | null = null;
  let injectError: string | null = null;
  try {
    await fault.inject(target);
  } catch (err) {
    injectError = errorMessage(err);
  }
  let settledUntil = 0;
  let healed = false;
  // An escalation or a heal waiting for approval needs a human: the run is not healed, stop waiting.
  while (injectError === null && Date.now() < deadline && escalated === null && waitingForHuman === null) {
    const all = [...incidents.values()];
    const done =
      all.length > 0 &&
      all.every((i) => i.resolvedAt !== null) &&
      allHealthy(medic) &&
      !Object.keys(medic.config().config.services).some((s) => medic.engine.busy(s));
    if (done) {
      const last = Math.max(...all.map((i) => i.resolvedAt ?? 0));
      if (healedAt !== last) {
        healedAt = last;
        settledUntil = Date.now() + settleMs;
      }
      if (Date.now() >= settledUntil) {
        healed = true;
        break;
      }
    } else {
      healedAt = null;
    }
    await sleep(100);
  }
  for (const off of offs) off();

  const notes: string[] = [];
  if (injectError) notes.push(`inject failed: ${injectError}`);
  else if (escalated) notes.push(`${escalated}; fault undone by the drill`);
  else if (waitingForHuman) notes.push(`waiting for a human: ${waitingForHuman}; fault undone by the drill`);
  else if (!healed) notes.push(`not healed within ${opts.timeoutMs} ms; fault undone by the drill`);
  try {
    await fault.undo(target);
  } catch (err) {
    notes.push(`undo failed: ${errorMessage(err)}`);
  }
  if (!healed) {
    // Nobody will answer a drill's approval request: reject it, so the heal does not run later by surprise.
    for (const a of actions.values()) {
      if (a.state !== 'awaiting_approval') continue;
      const now = await medic.store.getAction(a.id);
      if (now?.state === 'awaiting_approval')
        await medic.engine
          .reject(a.id, 'drill')
          .catch((err) => notes.push(`reject ${a.id}: ${errorMessage(err)}`));
    }
    await cleanUp(medic, fault.name, [...incidents.keys()], opts.onProgress);
  }
  await medic.engine.idle();

  const ids = [...incidents.keys()];
  const named: (string | null)[] = [];
  for (const id of ids) {
    const inc = await medic.store.getIncident(id);
    if (!inc) continue;
    const services = await medic.store.incidentServices(id).catch(() => [inc.service]);
    // An incident of one service names it by construction; one spanning several must name its root cause.
    named.push(inc.rootCause ?? (services.length <= 1 ? inc.service : null));
    await medic.incidents
      .note(id, `drill: ${fault.name} (run ${run}) was injected into ${service}`, { drill: fault.name, run })
      .catch(() => {});
  }
  const roots = [...new Set(named)];
  const rootServiceOk = named.length > 0 && named.every((n) => n === service);
  const cause = await diagnosedCause(medic.store, ids, service);
  const acted = [...actions.values()].filter((a) => a.createdAt >= t0);
  const restartStarts = acted
    .filter((a) => a.kind === 'restart' && a.service === service && a.state !== 'skipped')
    .map((a) => a.createdAt)
    .sort((a, b) => a - b);
  const cap = medic.config().config.policy.max_failed_heals;
  const escalatedWithinCap = escalated !== null && restartStarts.length <= cap;
  const ok =
    fault.outcome === 'escalated'
      ? escalatedWithinCap
      : fault.outcome === 'healed-or-escalated'
        ? healed || escalatedWithinCap
        : healed;
  const firstSeen = first as { at: number; label: string } | null;
  const result: DrillRun = {
    fault: fault.name,
    run,
    service,
    injected_at: t0,
    detected: firstSeen !== null,
    detected_by: firstSeen?.label ?? null,
    detected_as_expected: expectedKinds.size === 0 ? null : expectedSeen,
    findings: [...seen],
    healed,
    escalated: escalated !== null,
    restarts: restartStarts.length,
    restart_gaps_ms: restartStarts.slice(1).map((t, i) => t - restartStarts[i]!),
    cap,
    ok,
    root_cause: roots.length === 1 ? (roots[0] ?? null) : null,
    cause,
    cause_expected: [...fault.expectCause],
    root_cause_ok: rootServiceOk && causeOk(fault, cause),
    mttd_ms: firstSeen === null ? null : firstSeen.at - t0,
    mttr_ms: healed && healedAt !== null ? healedAt - t0 : null,
    actions: acted.length,
    collateral_actions: acted.filter((a) => a.service !== service).length,
    incident: ids[0] ?? null,
    incidents: ids,
    ...(notes.length ? { note: notes.join('; ') } : {}),
  };
  await medic.store
    .audit({
      at: medic.clock.now(),
      actor: 'drill',
      event: 'drill.run',
      subject: fault.name,
      data: { ...result },
    })
    .catch(() => {});
  return result;
}

/** What the waits read of a running Medic. */
type HealthView = Pick<Medic, 'config' | 'health' | 'engine' | 'store'>;

function allHealthy(medic: HealthView): boolean {
  return Object.keys(medic.config().config.services).every((s) => medic.health.get(s) === 'healthy');
}

/**
 * After a run Medic did not heal: forget escalations and backoff so Medic acts again, then, if a supervised
 * service is still not healthy after a while, restart it directly (the drill's clean-up, not Medic's heal).
 */
async function cleanUp(
  medic: Medic,
  fault: string,
  incidentIds: readonly string[],
  progress?: (msg: string) => void,
): Promise<void> {
  const services = Object.keys(medic.config().config.services);
  for (const s of services) await medic.engine.resetGuard(s, 'drill', `drill clean-up after ${fault}`);
  const settled = () => allHealthy(medic) && !services.some((s) => medic.engine.busy(s));
  if (!(await until(settled, 30_000))) {
    for (const s of services) {
      const run = medic.config().config.services[s]?.run;
      if (!run || medic.health.get(s) === 'healthy') continue;
      progress?.(`clean-up after ${fault}: restarting ${s}`);
      await (medic.supervisor.running(s)
        ? medic.supervisor.restart(s)
        : medic.supervisor.start(s, run)
      ).catch(() => {});
    }
    await until(settled, 30_000);
  }
  if (!settled()) return;
  // The drill stands in for the human the run waited for: an incident of the run still open once the fault
  // is undone and every service is healthy (one a forecast opened, or one whose heal was rejected) is closed.
  for (const id of incidentIds) {
    const inc = await medic.store.getIncident(id);
    if (!inc || inc.state === 'resolved' || inc.state === 'suppressed') continue;
    progress?.(`clean-up after ${fault}: closing ${id}`);
    await medic.incidents.move(
      inc,
      'resolved',
      `closed by the drill after ${fault}: the fault was undone and every service is healthy`,
    );
  }
}

/** Polls `cond` every 100 ms until it holds (true) or `ms` pass (false). */
async function until(cond: () => boolean, ms: number): Promise<boolean> {
  const deadline = Date.now() + ms;
  while (!cond()) {
    if (Date.now() >= deadline) return false;
    await sleep(100);
  }
  return true;
}

/** Resolves when the service is healthy with no active incident; throws after `timeoutMs`. */
export async function waitHealthy(medic: Medic, service: string, timeoutMs: number): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (Date.now() < deadline) {
    if (medic.health.get(service) === 'healthy' && !(await medic.store.activeIncident(service))) return;
    await sleep(100);
  }
  throw new Error(
    `${service} was not healthy within ${timeoutMs} ms (is another Medic or program holding its port?)`,
  );
}

/**
 * Resolves when every service is healthy, none has an active incident and no heal is running, and has been so
 * for `stableMs` without a break.
 */
export async function waitAllHealthy(medic: HealthView, timeoutMs: number, stableMs = 0): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  const services = () => Object.keys(medic.config().config.services);
  // Calm: every service healthy, no heal running or due, no incident open; for `stableMs` without a break
  // (a stack just started still settles: its first seconds' slowness is not a fault the drill injected).
  let calmSince: number | null = null;
  while (Date.now() < deadline) {
    let calm = false;
    if (allHealthy(medic) && !services().some((s) => medic.engine.busy(s))) {
      const active = await Promise.all(services().map((s) => medic.store.activeIncident(s)));
      calm = active.every((a) => a === null);
    }
    if (!calm) calmSince = null;
    else {
      calmSince ??= Date.now();
      if (Date.now() - calmSince >= stableMs) return;
    }
    await sleep(100);
  }
  const state = services()
    .map((s) => `${s} ${medic.health.get(s)}`)
    .join(', ');
  throw new Error(
    `the services were not all healthy within ${formatDuration(timeoutMs)} (${state}; is another Medic or program holding a port?)`,
  );
}
