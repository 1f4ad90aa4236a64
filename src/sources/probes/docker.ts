import { constants } from 'node:os';
import type Docker from 'dockerode';
import type { CheckConfig } from '../../config/index.js';
import type { ProbeResult } from '../../core/index.js';
import { dockerOptions } from '../logs/index.js';
import { describeNetError, errorCode, startTimer, timedOut } from './common.js';
import type { Probe, ProbeContext } from './probe.js';

type DockerCheck = NonNullable<CheckConfig['docker']>;

/** The part of `GET /containers/{id}/json` the probe reads. */
interface Inspect {
  Id: string;
  Name?: string;
  RestartCount?: number;
  Config?: { Image?: string };
  State: {
    Status: string;
    ExitCode?: number;
    OOMKilled?: boolean;
    Error?: string;
    StartedAt?: string;
    FinishedAt?: string;
    Health?: { Status: string; FailingStreak?: number; Log?: { ExitCode: number; Output: string }[] };
  };
}

let dockerode: Promise<typeof Docker> | undefined;

/** dockerode loads on the first docker check, not with the daemon (test/lazy-deps.test.ts). */
function loadDockerode(): Promise<typeof Docker> {
  dockerode ??= import('dockerode').then((m) => m.default);
  return dockerode;
}

/**
 * The restart count is a counter since the container was created: only a rise since the previous run is news.
 * Kept per service, daemon and container with the container's id, so a container recreated under the same
 * name starts a new baseline instead of reading as a fall.
 */
const lastRestarts = new Map<string, { id: string; count: number }>();

function daemon(d: DockerCheck): string {
  return d.socket_path ?? d.url ?? process.env['DOCKER_HOST'] ?? '/var/run/docker.sock';
}

/** "137 (SIGKILL)": an exit code past 128 is the signal that ended the main process. */
function exitCode(code: number): string {
  if (code <= 128) return String(code);
  const name = Object.entries(constants.signals).find(([, n]) => n === code - 128)?.[0];
  return name ? `${code} (${name})` : String(code);
}

/** The last health check's output, on one line and short: it goes into a message. */
function lastOutput(health: NonNullable<Inspect['State']['Health']>): string {
  const out = health.Log?.at(-1)?.Output.replace(/\s+/g, ' ').trim() ?? '';
  return out.length > 200 ? `${out.slice(0, 199)}…` : out;
}

/**
 * A container's state through the Docker Engine API (`GET /containers/{id}/json`, by name or id, over the
 * daemon's unix socket or TCP). Running and healthy (or without a HEALTHCHECK) is up; a health check still
 * `starting` is up too (it turns `unhealthy` after its retries). Unhealthy, restarting, exited (with its
 * code, and OOM-killed when the kernel killed it), paused, created and never started, or dead is `down`;
 * running but restarted by its restart policy since the previous run is `degraded`: it is crash-looping.
 */
export const dockerProbe: Probe = {
  kind: 'docker',
  async run(check: CheckConfig, ctx: ProbeContext): Promise<ProbeResult> {
    const d = check.docker;
    if (!d) return { ok: false, latencyMs: 0, message: 'not a docker check' };
    const details: Record<string, unknown> = { container: d.container };
    if (ctx.signal.aborted) return timedOut(check, 0, details);
    const elapsed = startTimer();
    const Dockerode = await loadDockerode();
    const docker = new Dockerode(dockerOptions(d.socket_path, d.url));
    let info: Inspect;
    try {
      info = (await docker.getContainer(d.container).inspect({ abortSignal: ctx.signal })) as Inspect;
    } catch (err) {
      if (ctx.signal.aborted) return timedOut(check, elapsed(), details);
      const e = err as { statusCode?: number; json?: { message?: string } | null };
      if (e.statusCode === 404)
        return { ok: false, latencyMs: elapsed(), message: `no such container: ${d.container}`, details };
      const code = errorCode(err);
      const message =
        e.statusCode !== undefined
          ? `the Docker daemon answered ${e.statusCode}${e.json?.message ? `: ${e.json.message}` : ''}`
          : code === 'ENOENT'
            ? `no Docker daemon socket at ${daemon(d)}`
            : code === 'EACCES'
              ? `permission denied on ${daemon(d)} (Medic's user needs access to the Docker socket)`
              : `cannot reach the Docker daemon at ${daemon(d)}: ${describeNetError(err)}`;
      return { ok: false, latencyMs: elapsed(), message, details };
    }
    return judge(`${ctx.service}\0${daemon(d)}\0${d.container}`, info, details, elapsed());
  },
};

function judge(key: string, c: Inspect, details: Record<string, unknown>, latencyMs: number): ProbeResult {
  const s = c.State;
  const count = c.RestartCount ?? 0;
  const before = lastRestarts.get(key);
  lastRestarts.set(key, { id: c.Id, count });
  const restarts = before && before.id === c.Id ? Math.max(0, count - before.count) : 0;
  const health = s.Health;
  Object.assign(details, {
    id: c.Id.slice(0, 12),
    name: c.Name?.replace(/^\//, ''),
    image: c.Config?.Image,
    status: s.Status,
    exitCode: s.ExitCode ?? null,
    oomKilled: s.OOMKilled === true,
    restartCount: count,
    restartsSinceLastCheck: restarts,
    startedAt: s.StartedAt,
    finishedAt: s.FinishedAt,
    health: health?.Status ?? null,
    failingStreak: health?.FailingStreak ?? null,
  });
  const oom = s.OOMKilled ? ', OOM-killed' : '';
  const lastExit = `last exit code ${exitCode(s.ExitCode ?? 0)}${oom}`;
  const down = (message: string): ProbeResult => ({ ok: false, latencyMs, message, details });
  switch (s.Status) {
    case 'running':
      break;
    case 'restarting':
      return down(`restarting (restart count ${count}, ${lastExit})`);
    case 'exited':
      return down(
        `exited with code ${exitCode(s.ExitCode ?? 0)}${s.OOMKilled ? ' (OOM-killed)' : ''} at ${s.FinishedAt}` +
          (s.Error ? `: ${s.Error}` : ''),
      );
    case 'paused':
      return down('paused');
    case 'created':
      return down(`created, never started${s.Error ? `: ${s.Error}` : ''}`);
    case 'dead':
      return down('dead (the daemon failed to remove it)');
    case 'removing':
      return down('being removed');
    default:
      return down(`in state ${s.Status}`);
  }
  if (health?.Status === 'unhealthy') {
    const output = lastOutput(health);
    return down(
      `unhealthy (${health.FailingStreak ?? 0} health checks failed in a row)${output ? `: ${output}` : ''}`,
    );
  }
  if (restarts > 0) {
    return {
      ok: false,
      degraded: true,
      latencyMs,
      // A start clears ExitCode and OOMKilled: a running container's cannot tell why it went down.
      message: `restarted ${restarts} time${restarts === 1 ? '' : 's'} since the last check (restart count ${count})`,
      details,
    };
  }
  const state = health ? `running (${health.Status})` : 'running';
  return { ok: true, latencyMs, message: `${state} since ${s.StartedAt}; restart count ${count}`, details };
}
