import type { Action, ServiceHealth } from '../core/index.js';
import { errorMessage } from '../core/index.js';
import type { Medic } from '../daemon/index.js';
import { DependencyGraph } from '../incidents/index.js';
import { attribute } from './chaos-attribute.js';
import { judge, type Live } from './chaos-judge.js';
import { type ChaosStep, planChaos } from './chaos-plan.js';
import { type ChaosReport, seconds } from './chaos-report.js';
import { chaosCandidates } from './chaos-targets.js';
import { SilenceWatch } from './chaos-watch.js';
import type { Fault } from './faults/index.js';
import { waitAllHealthy } from './runner.js';
import { targetEnv } from './target.js';

export interface ChaosOptions {
  seed: number;
  /** Faults are injected within this; then the run waits (up to `drainMs`) for the last ones to end. */
  durationMs: number;
  /** The catalogue to draw from (registry order). */
  faults: readonly Fault[];
  /** Longest to wait for the last faults to be healed or escalated after `durationMs` (default 2 min). */
  drainMs?: number;
  healthyTimeoutMs?: number;
  onProgress?(msg: string): void;
}

/** What chaos reads of a running Medic. */
export type ChaosMedic = Pick<
  Medic,
  'bus' | 'clock' | 'health' | 'engine' | 'supervisor' | 'store' | 'config' | 'healPending'
>;

const SAMPLE_MS = 250;
/** Finding → correlation → evidence → diagnosis → decision, unseen from outside (see chaos-watch.ts). */
const GRACE_MS = 3_000;
/** The backoff cap of issue 12 (Kubernetes' CrashLoopBackOff): a retry due later than this is no cover. */
const CAP_MS = 5 * 60_000;
/** A fault meant for a service being restarted waits this long for its new process. */
const PID_WAIT_MS = 5_000;
/** The stack calm this long before the first fault: a stack just started still settles (JIT, first checks). */
const SETTLE_MS = 5_000;
const FAILING: readonly ServiceHealth[] = ['down', 'degraded'];

const sleep = (ms: number) => new Promise((r) => setTimeout(r, Math.max(0, ms)));

/**
 * `medic drill chaos`: faults drawn from the catalogue by a seeded plan (chaos-plan.ts), injected on time
 * whatever state the system is in, so faults overlap, repeat and hit a dependency and its dependent together.
 * Meanwhile the invariant of issue 12 is sampled (chaos-watch.ts). A fault Medic escalates is undone by the
 * drill at once, standing in for the human the escalation asked for (its guard reset, as the escalation
 * tells a human to do). At the end every fault is undone, and each is judged: detected, healed or escalated
 * with a notification, root cause (service and cause), MTTD, MTTR, collateral actions, silent down time.
 */
export async function runChaos(medic: ChaosMedic, opts: ChaosOptions): Promise<ChaosReport> {
  const progress = opts.onProgress ?? (() => {});
  const loaded = medic.config();
  const cfg = loaded.config;
  const services = Object.keys(cfg.services);
  const graph = DependencyGraph.fromServices(cfg.services);
  const now = () => medic.clock.now();

  progress(`waiting for every service to be healthy for ${seconds(SETTLE_MS)} s`);
  await waitAllHealthy(medic, opts.healthyTimeoutMs ?? 120_000, SETTLE_MS);
  const candidates = await chaosCandidates(loaded, opts.faults, (s) => medic.supervisor.pid(s));
  for (const c of candidates)
    progress(`${c.fault}: ${c.services.length > 0 ? c.services.join(', ') : 'fits no service here'}`);
  const plan = planChaos({
    seed: opts.seed,
    durationMs: opts.durationMs,
    candidates,
    dependsOn: Object.fromEntries(Object.entries(cfg.services).map(([n, s]) => [n, s.depends_on])),
  });
  progress(`seed ${opts.seed}: ${plan.length} faults planned over ${seconds(opts.durationMs)} s`);

  const notifies = cfg.notifiers.some((n) => n.events.includes('incident.escalated'));
  const watch = new SilenceWatch(
    {
      services: () => services,
      upstreamOf: (s) => [...graph.upstreamOf(s)],
      health: (s) => medic.health.get(s),
      // Medic's own account of a heal in progress or due: running, decided on a timer (a `for`, a backoff, a
      // flapping delay), a keepalive start due, being diagnosed, or waiting for its root cause's heal.
      busy: (s) => medic.healPending(s),
      activeIncident: (s) => medic.store.activeIncident(s),
      guard: (s) => medic.store.getGuardState(s),
    },
    { graceMs: GRACE_MS, capMs: CAP_MS, releaseAfterMs: cfg.correlation.release_after, notifies },
  );
  const lives: Live[] = [];
  const actions = new Map<string, Action>();
  const incidentIds = new Set<string>();
  const escalations: { service: string; incidentId: string | null; at: number }[] = [];
  const relevant = (s: string) => [s, ...graph.downstreamOf(s)];
  const offs = [
    medic.bus.on('finding', (f) => {
      const at = now();
      const waiting = lives.filter((l) => l.injected && l.detectedAt === null);
      const undetected = waiting.map((l) => ({
        n: l.n,
        service: l.step.service,
        injectedAt: l.injectedAt,
        expect: l.fault.expect ?? [],
        gradual: l.fault.gradual === true,
      }));
      const inForce = lives
        .filter((l) => l.injected && l.detectedAt !== null && l.healedAt === null && l.recoveredAt === null)
        .map((l) => ({ service: l.step.service }));
      const seen = new Set(attribute(undetected, f, (s) => graph.upstreamOf(s), inForce));
      for (const l of waiting) {
        if (!seen.has(l.n)) continue;
        l.detectedAt = at;
        l.detectedBy = `${f.service}/${f.check}:${f.kind}`;
        progress(`#${l.n} ${l.fault.name} on ${l.step.service}: detected by ${l.detectedBy}`);
      }
    }),
    medic.bus.on('incident', ({ incident }) => {
      incidentIds.add(incident.id);
    }),
    medic.bus.on('action', (a) => {
      actions.set(a.id, a);
    }),
    medic.bus.on('escalation', (e) => {
      watch.noteEscalation(e.incidentId);
      escalations.push({ service: e.service, incidentId: e.incidentId, at: now() });
      progress(`escalation: ${e.service}: ${e.reason}`);
    }),
    medic.bus.on('health', (h) => watch.noteHealth(h.service, h.to, h.at)),
  ];

  const inject = async (n: number, step: ChaosStep): Promise<void> => {
    const fault = opts.faults.find((f) => f.name === step.fault)!;
    const deadline = Date.now() + PID_WAIT_MS;
    let pid = medic.supervisor.pid(step.service);
    while (pid === null && Date.now() < deadline) {
      await sleep(100);
      pid = medic.supervisor.pid(step.service);
    }
    const l: Live = {
      n,
      step,
      fault,
      target: pid === null ? null : { service: step.service, pid, env: targetEnv(loaded, step.service) },
      injectedAt: now(),
      injected: pid !== null,
      note: pid === null ? `${step.service} had no running process for ${PID_WAIT_MS / 1000} s` : null,
      alreadyFailing: FAILING.includes(medic.health.get(step.service)),
      detectedAt: null,
      detectedBy: null,
      sawIncident: false,
      healedAt: null,
      escalatedAt: null,
      notified: false,
      recoveredAt: null,
      goneAt: null,
    };
    lives.push(l);
    const of = step.of === undefined ? '' : ` (${step.kind} of #${step.of})`;
    if (!l.target) {
      progress(`#${n} ${fault.name} on ${step.service}${of}: not injected: ${l.note}`);
      return;
    }
    progress(`#${n} +${seconds(l.injectedAt - t0)} s: ${fault.name} on ${step.service}${of}`);
    try {
      await fault.inject(l.target);
    } catch (err) {
      l.injected = false;
      l.note = `inject failed: ${errorMessage(err)}`;
      progress(`#${n} ${fault.name} on ${step.service}: ${l.note}`);
    }
  };

  /** Each fault still in force: did it take effect, heal, escalate; after an escalation, did it recover. */
  const track = async (at: number): Promise<void> => {
    for (const l of lives) {
      if (!l.injected || l.recoveredAt !== null || l.healedAt !== null) continue;
      const rel = relevant(l.step.service);
      const active = await Promise.all(rel.map((s) => medic.store.activeIncident(s)));
      const activeIds = new Set(active.flatMap((i) => (i ? [i.id] : [])));
      // An incident counts once the fault was seen (an earlier fault's incident on a dependent is not its own).
      const prompt = l.fault.gradual !== true;
      if (activeIds.size > 0 && (l.detectedAt !== null || (l.alreadyFailing && prompt))) l.sawIncident = true;
      // A prompt fault on a service already failing joins its incident; a slow one (a leak, a disk filling)
      // is seen only by its own proper finding or not at all (a heal of the trouble there replaces it).
      if (l.alreadyFailing && prompt && l.detectedAt === null && l.sawIncident) {
        l.detectedAt = l.injectedAt;
        l.detectedBy = 'already failing';
      }
      const settled =
        activeIds.size === 0 && rel.every((s) => medic.health.get(s) === 'healthy' && !medic.engine.busy(s));
      // A heal of an earlier fault replaced the process before this fault showed: the fault went with it
      // (a stopped or switched process is gone), so there is nothing of it for Medic to find. Judged only
      // once a new process runs and the fault had time to show: a killed process is gone for a moment
      // before its exit is reported (the supervisor reads its last lines first).
      const pidNow = medic.supervisor.pid(l.step.service);
      const replaced = pidNow !== null && pidNow !== l.target?.pid && at - l.injectedAt >= GRACE_MS;
      if (l.detectedAt === null && settled && replaced) {
        l.injected = false;
        l.goneAt = at;
        l.note = 'no effect: its process was replaced (a heal of an earlier fault) before the fault showed';
        progress(`#${l.n} ${l.fault.name} on ${l.step.service}: ${l.note}`);
        continue;
      }
      if (l.escalatedAt === null) {
        const e = escalations.find(
          (x) =>
            x.at >= l.injectedAt &&
            (rel.includes(x.service) || (x.incidentId !== null && activeIds.has(x.incidentId))),
        );
        if (e) {
          l.escalatedAt = e.at;
          l.notified = e.incidentId !== null && watch.wasNotified(e.incidentId);
          await standIn(l);
          continue;
        }
        if (settled && l.detectedAt !== null && l.sawIncident) {
          l.healedAt = at;
          progress(`#${l.n} ${l.fault.name} on ${l.step.service}: healed in ${l.healedAt - l.injectedAt} ms`);
        }
      } else if (settled) {
        l.recoveredAt = at;
      }
    }
  };

  /** The human an escalation asks for: undo the fault, reset the guard so Medic acts on the service again. */
  const standIn = async (l: Live): Promise<void> => {
    progress(
      `#${l.n} ${l.fault.name} on ${l.step.service}: escalated${l.notified ? '' : ' (no notification sent)'}; the drill undoes the fault`,
    );
    if (l.target) await l.fault.undo(l.target).catch(() => {});
    await medic.engine
      .resetGuard(l.step.service, 'drill', `chaos: ${l.fault.name} undone after the escalation`)
      .catch(() => {});
  };

  const t0 = now();
  let sampling = true;
  const sampler = (async () => {
    while (sampling) {
      const at = now();
      await watch.sample(at).catch(() => {});
      await track(at).catch(() => {});
      await sleep(SAMPLE_MS);
    }
  })();
  const status = setInterval(() => {
    const open = lives.filter((l) => l.injected && l.healedAt === null && l.escalatedAt === null);
    progress(
      `+${seconds(now() - t0)} s: ${lives.length}/${plan.length} injected, ${open.length} in force, silent down ${seconds(watch.silentMs(null))} s`,
    );
  }, 60_000);

  const pending: Promise<void>[] = [];
  try {
    for (const [n, step] of plan.entries()) {
      await sleep(t0 + step.at - now());
      pending.push(inject(n, step));
    }
    await sleep(t0 + opts.durationMs - now());
    await Promise.all(pending);
    const drainUntil = Date.now() + (opts.drainMs ?? 120_000);
    while (
      Date.now() < drainUntil &&
      lives.some((l) => l.injected && l.healedAt === null && l.escalatedAt === null)
    ) {
      await sleep(SAMPLE_MS);
    }
  } finally {
    sampling = false;
    clearInterval(status);
    await sampler;
    watch.finish(now());
    for (const off of offs) off();
    await Promise.all(pending);
    for (const l of lives) if (l.target) await l.fault.undo(l.target).catch(() => {});
  }
  const end = now();
  return judge(medic.store, {
    plan,
    lives,
    actions,
    incidentIds,
    watch,
    graph,
    t0,
    end,
    seed: opts.seed,
    durationMs: opts.durationMs,
    notifies,
    graceMs: GRACE_MS,
    capMs: CAP_MS,
    onProgress: opts.onProgress,
  });
}
