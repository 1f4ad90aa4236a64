import type { MedicConfig } from '../config/index.js';
import { checkName } from '../config/index.js';
import type { Finding, Incident, ServiceHealth } from '../core/index.js';
import type { DependencyState, EvidenceBundle } from '../diagnose/index.js';
import type { Medic } from './medic.js';

/** What gathering evidence reads of the daemon. */
export type EvidenceHost = Pick<Medic, 'store' | 'clock' | 'health' | 'supervisor' | 'config'>;

const FAILING: readonly ServiceHealth[] = ['down', 'degraded'];

/**
 * The evidence the diagnosis rules read for a finding: the service's findings in the incident, its exits,
 * recent probe results, log lines, and the state of what it depends on.
 */
export async function gatherEvidence(
  host: EvidenceHost,
  f: Finding,
  incident: Incident,
): Promise<EvidenceBundle> {
  const { store, supervisor, health } = host;
  const cfg = host.config().config;
  const svc = cfg.services[f.service];
  const now = host.clock.now();
  const findings = await store.listFindings({ incidentId: incident.id, limit: 100 });
  const mine = findings.filter((x) => x.service === f.service).reverse();
  const exits = mine
    .filter((x) => 'code' in x.evidence || 'signal' in x.evidence)
    .map((x) => ({
      at: x.at,
      code: typeof x.evidence['code'] === 'number' ? x.evidence['code'] : null,
      signal: typeof x.evidence['signal'] === 'string' ? x.evidence['signal'] : null,
    }));
  const probes = (
    await Promise.all(
      (svc?.checks ?? []).map((c, i) => store.probeHistory(f.service, checkName(c, i), now - 600_000, 20)),
    )
  )
    .flat()
    .map((p) => ({
      check: p.check,
      at: p.at,
      ok: p.result.ok,
      latencyMs: p.result.latencyMs,
      message: p.result.message,
    }));
  const lastLogs = Array.isArray(f.evidence['lastLogs']) ? (f.evidence['lastLogs'] as unknown[]) : [];
  const lines = [...(svc?.run ? supervisor.recentLogs(f.service) : []), ...lastLogs.map(String)];
  const logs = [...new Set(lines)].slice(-100).map((line) => ({ at: now, line }));
  const latest = await store.latestProbes();
  const dependencies: DependencyState[] = (svc?.depends_on ?? []).map((dep) => {
    const depCfg = cfg.services[dep];
    const last = latest.filter((p) => p.service === dep && !p.result.ok).at(-1);
    return {
      service: dep,
      healthy: !FAILING.includes(health.get(dep)),
      message: last?.result.message,
      addresses: (depCfg?.checks ?? []).flatMap(addressesOf),
      role: depCfg?.role,
    };
  });
  return {
    service: f.service,
    at: now,
    findings: mine,
    exits,
    processAlive: svc?.run ? supervisor.pid(f.service) !== null : null,
    probes,
    logs,
    dependencies,
  };
}

/** How a service is reached, to recognise it in another service's errors (host:port, URL host). */
function addressesOf(check: MedicConfig['services'][string]['checks'][number]): string[] {
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
