import type Docker from 'dockerode';
import { ActionError, errorMessage } from '../../core/index.js';
import { baseVars, renderString } from '../template.js';
import type { ActionPlan, RemediationAction } from './action.js';
import { recreate } from './docker-recreate.js';
import { dockerStep, type ExtendedStep, parseStep } from './steps.js';
import { checkName } from './util.js';

interface DockerParams {
  container: string;
  action: 'restart' | 'start' | 'stop' | 'recreate';
  stopTimeoutS: number;
  socketPath: string | null;
  host: string | null;
}

let dockerode: Promise<typeof Docker> | undefined;

/** A dockerode client for the step's endpoint: a socket, a URL, or dockerode's default ($DOCKER_HOST). */
export async function dockerClient(p: { socketPath: string | null; host: string | null }): Promise<Docker> {
  // Loaded on first use: most daemons never run a docker step, and every fork pays for what is loaded.
  dockerode ??= import('dockerode').then((m) => m.default);
  const Dockerode = await dockerode;
  if (p.socketPath) return new Dockerode({ socketPath: p.socketPath });
  if (p.host) {
    const u = new URL(p.host);
    const protocol = u.protocol === 'https:' ? 'https' : 'http';
    return new Dockerode({
      protocol,
      host: u.hostname,
      port: u.port || (protocol === 'https' ? 2376 : 2375),
    });
  }
  return new Dockerode();
}

function params(plan: ActionPlan): DockerParams {
  return plan.params as unknown as DockerParams;
}

/** dockerode errors carry the HTTP status; 304 means "already in that state". */
function status(err: unknown): number | undefined {
  return (err as { statusCode?: number }).statusCode;
}

async function call(what: string, p: DockerParams, fn: () => Promise<unknown>): Promise<string> {
  try {
    await fn();
    return `docker ${what} ${p.container}: done`;
  } catch (err) {
    if (status(err) === 304)
      return `docker ${what} ${p.container}: it already was ${what === 'start' ? 'running' : 'stopped'}`;
    if (status(err) === 404) throw new ActionError(`docker ${what} ${p.container}: no such container`);
    throw new ActionError(`docker ${what} ${p.container} failed: ${errorMessage(err)}`, { cause: err });
  }
}

/** Restarts, stops, starts or recreates a container through the Docker Engine API (dockerode). */
export const dockerAction: RemediationAction<ExtendedStep> = {
  kind: 'docker',
  plan(step, service, _services, pctx) {
    const s = parseStep(dockerStep, step.docker, 'docker');
    const container = checkName(
      'container',
      renderString(s.container, baseVars(service, pctx?.vars)),
      /^[A-Za-z0-9][A-Za-z0-9_.-]*$/,
    );
    const p: DockerParams = {
      container,
      action: s.action,
      stopTimeoutS: Math.ceil(s.stop_timeout / 1000),
      socketPath: s.socket_path ?? null,
      host: s.host ?? null,
    };
    return {
      kind: 'docker',
      target: service,
      params: { ...p },
      description: `docker ${s.action} ${container}`,
    };
  },
  async snapshot(plan, ctx) {
    const p = params(plan);
    try {
      const info = await (await dockerClient(p))
        .getContainer(p.container)
        .inspect({ abortSignal: ctx.signal });
      return { running: info.State.Running === true };
    } catch (err) {
      throw new ActionError(`docker inspect ${p.container} failed: ${errorMessage(err)}`, { cause: err });
    }
  },
  async apply(plan, ctx) {
    const p = params(plan);
    const c = (await dockerClient(p)).getContainer(p.container);
    const abortSignal = ctx.signal;
    switch (p.action) {
      case 'recreate':
        return recreate(await dockerClient(p), p.container, p.stopTimeoutS, abortSignal);
      case 'restart':
        return call('restart', p, () => c.restart({ t: p.stopTimeoutS, abortSignal }));
      case 'stop':
        return call('stop', p, () => c.stop({ t: p.stopTimeoutS, abortSignal }));
      default:
        return call('start', p, () => c.start({ abortSignal }));
    }
  },
  async rollback(plan, ctx, backup) {
    const p = params(plan);
    const c = (await dockerClient(p)).getContainer(p.container);
    const was = backup.state?.['running'];
    const abortSignal = ctx.signal;
    if (p.action === 'stop' && was !== false) return call('start', p, () => c.start({ abortSignal }));
    if (p.action === 'start' && was !== true)
      return call('stop', p, () => c.stop({ t: p.stopTimeoutS, abortSignal }));
    if (p.action === 'restart' || p.action === 'recreate')
      throw new ActionError(`a docker ${p.action} cannot be undone`);
    return `${p.container} was already ${was ? 'running' : 'stopped'} before: nothing to undo`;
  },
};
