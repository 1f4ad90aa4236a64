import type { MedicConfig } from '../config/index.js';
import { checkName } from '../config/index.js';
import type { Finding, Incident, ServiceHealth } from '../core/index.js';
import { ciRunsOf, type DependencyState, type EvidenceBundle } from '../diagnose/index.js';
import {
  type CertificateEndpoint,
  certificateEndpoint,
  peerCertificate,
  readProcessState,
} from '../sources/index.js';
import { configEvidence } from './evidence-config.js';
import { dataDirEvidence } from './evidence-disk.js';
import { BASELINE_MS, logEvidence } from './evidence-logs.js';
import { releaseEvidence } from './evidence-release.js';
import type { EvidenceHost } from './host.js';

/** What gathering evidence reads of the daemon. */
export type { EvidenceHost };

type ServiceConfig = MedicConfig['services'][string];

const FAILING: readonly ServiceHealth[] = ['down', 'degraded'];
/** Log lines this long before the incident opened still belong to it (the first errors come before the finding). */
export const LEAD_MS = 2 * 60_000;
/** How long before an earlier incident opened its trouble is taken to have begun (its first errors). */
const TROUBLE_LEAD_MS = 10_000;
/** How long the process's CPU use is measured while the diagnosis waits. */
const CPU_SAMPLE_MS = 150;
const CERT_TIMEOUT_MS = 1000;
const MIB = 1024 * 1024;
/** How far back a dependency's failed probes are looked for (as far as the service's own probes are read). */
const DEP_HISTORY_MS = 600_000;

/**
 * The evidence the diagnosis rules read for a finding: the service's findings in the incident, its exits, its
 * process's state, CPU and memory, recent probe results, log lines of the incident's window (with the usual
 * error rate of each source), its data directories' use, its TLS certificates, and the state of what it
 * depends on. Every reader fails soft: what cannot be read is left out, never guessed.
 */
export async function gatherEvidence(
  host: EvidenceHost,
  f: Finding,
  incident: Incident,
): Promise<EvidenceBundle> {
  const { store, supervisor } = host;
  const cfg = host.config().config;
  const svc = cfg.services[f.service];
  const now = host.clock.now();
  const { since, trouble } = await history(host, f, incident);
  const pid = svc?.run ? supervisor.pid(f.service) : null;
  await host.flushWrites(f.service);
  const loaded = host.config();
  const running = pid === null ? undefined : supervisor.recentRuns(f.service).find((r) => r.pid === pid);
  const [findings, probes, state, logs, rss, disk, certificates, dependencies, configChanges, releases] =
    await Promise.all([
      store.listFindings({ incidentId: incident.id, limit: 100 }),
      probeEvidence(host, f.service, svc, now),
      pid ? readProcessState(pid, { cpuSampleMs: CPU_SAMPLE_MS }) : Promise.resolve(null),
      logEvidence(
        store,
        f.service,
        svc,
        svc?.run ? supervisor.recentLines(f.service) : [],
        since,
        now,
        trouble,
      ),
      rssEvidence(host, f, svc),
      dataDirEvidence(svc, host.config().baseDir, now),
      certificateEvidence(svc),
      dependencyEvidence(host, svc, now),
      configEvidence(loaded.config, loaded.baseDir, f.service, host.engine.backups),
      releaseEvidence(svc, loaded.baseDir, running?.startedAt ?? null),
    ]);
  const mine = findings.filter((x) => x.service === f.service).reverse();
  const exits = mine
    .filter((x) => 'code' in x.evidence || 'signal' in x.evidence)
    .map((x) => ({
      at: x.at,
      code: typeof x.evidence['code'] === 'number' ? x.evidence['code'] : null,
      signal: typeof x.evidence['signal'] === 'string' ? x.evidence['signal'] : null,
      pid: typeof x.evidence['pid'] === 'number' ? x.evidence['pid'] : null,
    }));
  const bundle: EvidenceBundle = {
    service: f.service,
    at: now,
    findings: mine,
    trigger: { kind: f.kind, check: f.check, exit: 'code' in f.evidence || 'signal' in f.evidence },
    exits,
    // A zombie leader has exited: only its parent's wait is missing.
    processAlive: svc?.run ? pid !== null && state?.state !== 'Z' : null,
    processState: state ? { pid: state.pid, state: state.state, group: state.group } : null,
    probes: withFindingResult(probes, f),
    ...withLastWords(logs, f),
    dependencies,
  };
  if (trouble.length > 0) bundle.earlierTrouble = trouble;
  const live = state?.cpuPercent;
  if (live !== null && live !== undefined) bundle.cpu = [{ at: now, percent: live }];
  if (rss.samples.length > 0) {
    bundle.rss = rss.samples;
    bundle.rssRunStartedAt = rss.startedAt;
  }
  if (disk.length > 0) bundle.disk = disk;
  if (certificates.length > 0) bundle.certificates = certificates;
  if (configChanges.length > 0) bundle.configChanges = configChanges;
  if (releases.length > 0) bundle.releases = releases;
  // A CI finding's failing tests and their history, for the ci_flaky_test rule.
  const ciRuns = ciRunsOf(bundle);
  if (ciRuns) bundle.ciRuns = ciRuns;
  return bundle;
}

/**
 * Where the incident's own window starts: LEAD_MS before it opened (the first errors come before the finding),
 * but never before the end of the last incident the service had or took part in: what came before that was
 * that trouble's, healed and verified (a hang's timed-out probes say nothing about a slowness a minute later).
 * And the earlier incidents' windows of the last BASELINE_MS (`trouble`): what a service did during its
 * trouble is not its usual rate of errors.
 */
async function history(
  host: EvidenceHost,
  f: Finding,
  incident: Incident,
): Promise<{ since: number; trouble: { from: number; to: number }[] }> {
  const opened = Math.min(incident.openedAt, f.at);
  const lead = opened - LEAD_MS;
  const earlier = await host.store
    .listIncidents({ state: 'resolved', since: opened - BASELINE_MS, until: opened, limit: 100 })
    .catch(() => ({ items: [] as Incident[] }));
  let since = lead;
  const trouble: { from: number; to: number }[] = [];
  for (const i of earlier.items) {
    if (i.id === incident.id || i.resolvedAt === null || i.resolvedAt > opened) continue;
    // Its own incidents, and those it took part in (a hang grouped under the database that failed with it).
    const took =
      i.service === f.service ||
      (await host.store.incidentServices(i.id).catch(() => [] as string[])).includes(f.service);
    if (!took) continue;
    // Its first symptoms came before its finding, as this incident's do.
    trouble.push({ from: i.openedAt - TROUBLE_LEAD_MS, to: i.resolvedAt });
    if (i.resolvedAt > since) since = i.resolvedAt;
  }
  return { since, trouble: trouble.sort((a, b) => a.from - b.from) };
}

async function probeEvidence(
  host: EvidenceHost,
  service: string,
  svc: ServiceConfig | undefined,
  now: number,
) {
  const results = await Promise.all(
    (svc?.checks ?? []).map((c, i) => host.store.probeHistory(service, checkName(c, i), now - 600_000, 20)),
  );
  return results.flat().map((p) => ({
    check: p.check,
    at: p.at,
    ok: p.result.ok,
    latencyMs: p.result.latencyMs,
    message: p.result.message,
  }));
}

type ProbeEvidence = NonNullable<EvidenceBundle['probes']>[number];

/**
 * The probe result a check's finding was made from (`lastResult`), when the store does not hold it yet (the
 * probe writer stores results in batches, and a heal can start within a second of the finding).
 */
function withFindingResult(probes: ProbeEvidence[], f: Finding): ProbeEvidence[] {
  const out = [...probes];
  const r = f.evidence['lastResult'] as { ok?: unknown; latencyMs?: unknown; message?: unknown } | undefined;
  const have = out.some((p) => p.check === f.check && p.at === f.at);
  if (r && typeof r.ok === 'boolean' && typeof r.message === 'string' && !have) {
    const latencyMs = typeof r.latencyMs === 'number' ? r.latencyMs : 0;
    out.push({ check: f.check, at: f.at, ok: r.ok, latencyMs, message: r.message });
  }
  // Oldest first across checks, as the bundle's other series are.
  return out.sort((a, b) => a.at - b.at);
}

/**
 * An exit finding's last lines (as the supervisor kept them when the process died) that the window's lines do
 * not already hold: stamped with the exit, from stderr.
 */
function withLastWords(
  logs: Pick<EvidenceBundle, 'logs' | 'logBaseline' | 'logsSince'>,
  f: Finding,
): Pick<EvidenceBundle, 'logs' | 'logBaseline' | 'logsSince'> {
  const last = f.evidence['lastLogs'];
  if (!Array.isArray(last)) return logs;
  const have = new Set((logs.logs ?? []).map((l) => l.line));
  const pid = typeof f.evidence['pid'] === 'number' ? f.evidence['pid'] : null;
  const missing = last
    .map((x) => (typeof x === 'string' ? x : typeof x?.line === 'string' ? (x.line as string) : null))
    .filter((x): x is string => x !== null && !have.has(x))
    .map((line) => ({ at: f.at, line, category: null, source: 'stderr', pid }));
  if (missing.length === 0) return logs;
  return { ...logs, logs: [...(logs.logs ?? []), ...missing].sort((a, b) => a.at - b.at) };
}

/**
 * Resident memory of the run the finding is about (the one that exited, or the running one), from the series
 * the config samples for the supervised process (`rss: true`), plus a reading now if it still runs.
 */
async function rssEvidence(
  host: EvidenceHost,
  f: Finding,
  svc: ServiceConfig | undefined,
): Promise<{ samples: { at: number; mb: number }[]; startedAt?: number }> {
  if (!svc?.run) return { samples: [] };
  const series = (svc.metrics?.series ?? []).filter((s) => s.rss === true).map((s) => s.name);
  const runs = host.supervisor.recentRuns(f.service);
  const exitedPid = typeof f.evidence['pid'] === 'number' ? f.evidence['pid'] : null;
  const run = runs.find((r) => r.pid === exitedPid) ?? runs.at(-1);
  if (!run || series.length === 0) return { samples: [] };
  const until = run.exitedAt ?? Number.POSITIVE_INFINITY;
  const samples = await host.store.metricSamples(f.service, series[0] as string, run.startedAt, 120);
  return {
    samples: samples
      .filter((s) => s.at <= until)
      .map((s) => ({ at: s.at, mb: Math.round((s.value / MIB) * 10) / 10 })),
    startedAt: run.startedAt,
  };
}

/** The certificate each tls or https check's endpoint presents now (failures are just no evidence). */
async function certificateEvidence(svc: ServiceConfig | undefined) {
  const endpoints = new Map<string, CertificateEndpoint>();
  for (const c of svc?.checks ?? []) {
    const e = certificateEndpoint(c);
    if (e) endpoints.set(`${e.host}:${e.port}:${e.servername}`, e);
  }
  const certs = await Promise.all(
    [...endpoints.values()].map((e) =>
      peerCertificate(e.host, e.port, { servername: e.servername, timeoutMs: CERT_TIMEOUT_MS }),
    ),
  );
  return certs.filter((c) => c !== null);
}

async function dependencyEvidence(host: EvidenceHost, svc: ServiceConfig | undefined, now: number) {
  const cfg = host.config().config;
  const deps = svc?.depends_on ?? [];
  if (deps.length === 0) return [];
  const latest = await host.store.latestProbes();
  return Promise.all(
    deps.map(async (dep): Promise<DependencyState> => {
      const depCfg = cfg.services[dep];
      const failed = latest.filter((p) => p.service === dep && !p.result.ok);
      const pid = depCfg?.run ? host.supervisor.pid(dep) : null;
      const [state, history] = await Promise.all([
        pid ? readProcessState(pid) : Promise.resolve(null),
        Promise.all(
          (depCfg?.checks ?? []).map((c, i) =>
            host.store.probeHistory(dep, checkName(c, i), now - DEP_HISTORY_MS, 20),
          ),
        ),
      ]);
      // Its failed probes, and the time the health model last saw it failing (or not yet healthy again since):
      // a process killed and restarted between two probes fails none, yet its dependents saw it gone.
      const seen = host.health.lastFailedAt(dep);
      const lastFailedAt = Math.max(
        Number.NEGATIVE_INFINITY,
        ...(seen !== undefined && now - seen <= DEP_HISTORY_MS ? [seen] : []),
        ...history
          .flat()
          .filter((p) => !p.result.ok)
          .map((p) => p.at),
      );
      const d: DependencyState = {
        service: dep,
        // Its last probe failing counts before its checks have failed often enough to be judged down.
        healthy: !FAILING.includes(host.health.get(dep)) && failed.length === 0,
        message: failed.at(-1)?.result.message,
        addresses: (depCfg?.checks ?? []).flatMap(addressesOf),
        role: depCfg?.role,
      };
      if (state) d.processState = { pid: state.pid, state: state.state, group: state.group };
      if (Number.isFinite(lastFailedAt)) d.lastFailedAt = lastFailedAt;
      return d;
    }),
  );
}

/** How a service is reached, to recognise it in another service's errors (host:port, URL host). */
function addressesOf(check: ServiceConfig['checks'][number]): string[] {
  if (check.tcp) return [`${check.tcp.host}:${check.tcp.port}`, `:${check.tcp.port}`];
  if (check.http) {
    try {
      return [new URL(check.http.url).host];
    } catch {
      return [];
    }
  }
  return [];
}
