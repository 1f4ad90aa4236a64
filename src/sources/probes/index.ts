import { type CheckConfig, checkKind } from '../../config/index.js';
import { errorMessage, type ProbeResult, Registry } from '../../core/index.js';
import { commandProbe } from './command.js';
import { diskProbe } from './disk.js';
import { dockerProbe } from './docker.js';
import { hostProbe } from './host.js';
import { httpProbe } from './http.js';
import { kubernetesProbe } from './kubernetes.js';
import { postgresProbe } from './postgres.js';
import type { Probe, ProbeContext } from './probe.js';
import { processProbe } from './process.js';
import { queueProbe } from './queue.js';
import { redisProbe } from './redis.js';
import { tcpProbe } from './tcp.js';
import { tlsProbe } from './tls.js';

export { selectorString } from './kubernetes.js';
export type { Probe, ProbeContext } from './probe.js';
export { readStat } from './procfs.js';
export { type CertificateEndpoint, certificateEndpoint } from './tls-endpoint.js';
export { commandProbe, diskProbe, httpProbe, processProbe, tcpProbe };

/** Every probe kind, by the key a check uses in medic.yaml. Adding one: a file here and one line below. */
export const probes = new Registry<Probe>('probe')
  .register('http', httpProbe)
  .register('tcp', tcpProbe)
  .register('process', processProbe)
  .register('command', commandProbe)
  .register('disk', diskProbe)
  .register('postgres', postgresProbe)
  .register('redis', redisProbe)
  .register('tls', tlsProbe)
  .register('host', hostProbe)
  .register('docker', dockerProbe)
  .register('kubernetes', kubernetesProbe)
  .register('queue', queueProbe);

/** Runs the probe a check names. Never throws: a probe that breaks its contract still yields a failed result. */
export async function runProbe(check: CheckConfig, ctx: ProbeContext): Promise<ProbeResult> {
  try {
    return await probes.get(checkKind(check)).run(check, ctx);
  } catch (err) {
    return { ok: false, latencyMs: 0, message: errorMessage(err) };
  }
}
