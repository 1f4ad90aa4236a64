import type Docker from 'dockerode';
import { ActionError, errorMessage } from '../../core/index.js';

const status = (err: unknown) => (err as { statusCode?: number }).statusCode;

/**
 * What `docker create` needs to make the same container again, read from its inspect: its config, host
 * config and networks. Names docker made up from the old container's id (its hostname, its short-id network
 * alias) are left out, so the new one gets its own.
 */
export function createOptions(info: Docker.ContainerInspectInfo): Docker.ContainerCreateOptions {
  const shortId = info.Id.slice(0, 12);
  const { Hostname, ...config } = info.Config;
  const networks: Record<string, Docker.EndpointSettings> = {};
  for (const [net, raw] of Object.entries(info.NetworkSettings?.Networks ?? {})) {
    const ep = raw as { IPAMConfig?: unknown; Links?: unknown; Aliases?: string[]; DriverOpts?: unknown };
    const aliases = (ep.Aliases ?? []).filter((a) => a !== shortId && a !== info.Id);
    networks[net] = {
      ...(ep.IPAMConfig ? { IPAMConfig: ep.IPAMConfig } : {}),
      ...(ep.Links ? { Links: ep.Links } : {}),
      ...(aliases.length > 0 ? { Aliases: aliases } : {}),
      ...(ep.DriverOpts ? { DriverOpts: ep.DriverOpts } : {}),
    } as Docker.EndpointSettings;
  }
  return {
    ...(config as Docker.ContainerCreateOptions),
    ...(Hostname && Hostname !== shortId ? { Hostname } : {}),
    HostConfig: info.HostConfig as Docker.HostConfig,
    // Networks shared with another container or the host take no endpoints of their own.
    ...(Object.keys(networks).length > 0 && !/^(container:|host$)/.test(info.HostConfig.NetworkMode ?? '')
      ? { NetworkingConfig: { EndpointsConfig: networks } }
      : {}),
  };
}

/**
 * `docker compose up --force-recreate` for one container: a fresh container from the same config (a clean
 * writable layer, the image its tag names now). The old one is stopped and set aside under another name;
 * the new one is created and started under the old name, and only then is the old one removed. If the new
 * one cannot be made or started, it is removed and the old one is given its name back and started again.
 */
export async function recreate(
  docker: Docker,
  container: string,
  stopTimeoutS: number,
  signal: AbortSignal,
): Promise<string> {
  let info: Docker.ContainerInspectInfo;
  try {
    info = await docker.getContainer(container).inspect({ abortSignal: signal });
  } catch (err) {
    if (status(err) === 404) throw new ActionError(`docker recreate ${container}: no such container`);
    throw new ActionError(`docker recreate ${container}: inspect failed: ${errorMessage(err)}`, {
      cause: err,
    });
  }
  // By id from here on: once renamed, the name it was found by is the new container's.
  const old = docker.getContainer(info.Id);
  const name = info.Name.replace(/^\//, '');
  const aside = `${name}-medic-replaced-${info.Id.slice(0, 12)}`;
  const step = async <T>(what: string, fn: () => Promise<T>): Promise<T> => {
    try {
      return await fn();
    } catch (err) {
      throw new ActionError(`docker recreate ${name}: ${what} failed: ${errorMessage(err)}`, { cause: err });
    }
  };
  await step('stop', () =>
    old.stop({ t: stopTimeoutS, abortSignal: signal }).catch((err: unknown) => {
      if (status(err) !== 304) throw err; // already stopped
    }),
  );
  await step('rename', () => old.rename({ name: aside, abortSignal: signal }));
  let fresh: Docker.Container | undefined;
  try {
    // The name in the query and the config in the body only: dockerode would put every option in the URL
    // too (docker-modem's _query/_body), and an Env value can be a secret that dockerd's debug log shows.
    fresh = await docker.createContainer({
      _query: { name },
      _body: createOptions(info),
      abortSignal: signal,
    } as never);
    await fresh.start({ abortSignal: signal });
  } catch (err) {
    // Put the old container back as it was, so a failed recreate leaves what was there.
    if (fresh) await fresh.remove({ force: true }).catch(() => {});
    await old.rename({ name }).catch(() => {});
    if (info.State.Running) await old.start().catch(() => {});
    throw new ActionError(
      `docker recreate ${name}: the new container failed (${errorMessage(err)}); the old one is back`,
      { cause: err },
    );
  }
  await step('removing the old container', () => old.remove({ abortSignal: signal }));
  return `docker recreate ${name}: new container ${fresh.id.slice(0, 12)} from ${info.Config.Image} (was ${info.Id.slice(0, 12)})`;
}
