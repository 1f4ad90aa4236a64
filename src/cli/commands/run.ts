import type { Command } from 'commander';
import { startApi } from '../../api/index.js';
import { createMedic, SystemdNotifier } from '../../daemon/index.js';
import { limitHeapGrowth } from '../heap-growth.js';
import { cliLogger } from '../logger.js';

export function registerRun(program: Command): void {
  program
    .command('run')
    .description('run the daemon: watch, detect, heal, and serve the API')
    .requiredOption('-c, --config <file>', 'medic.yaml')
    .option('--host <host>', 'API host (overrides server.host)')
    .option('--port <port>', 'API port (overrides server.port)', (v) => Number(v))
    .option('--data-dir <dir>', 'data directory (overrides store.dir)')
    .action(async (opts: { config: string; host?: string; port?: number; dataDir?: string }) => {
      limitHeapGrowth();
      const medic = await createMedic({
        configFile: opts.config,
        dataDir: opts.dataDir,
        logger: cliLogger(),
      });
      const { server } = medic.config().config;
      await medic.start();
      const api = await startApi(medic, opts.host ?? server.host, opts.port ?? server.port, {
        cors: server.cors,
        bodyLimit: server.body_limit,
        rateLimit: {
          max: server.rate_limit.max,
          windowMs: server.rate_limit.window,
          maxAuthFailures: server.rate_limit.max_auth_failures,
        },
        timeouts: {
          requestMs: server.timeouts.request,
          idleMs: server.timeouts.idle,
          keepAliveMs: server.timeouts.keep_alive,
        },
        trustProxy: server.trust_proxy,
        sseMaxConnections: server.sse.max_connections,
      });
      const services = Object.keys(medic.config().config.services);
      medic.logger.info(
        { api: api.bound, config: medic.config().file, services },
        `Medic is watching ${services.length} service(s); API on ${api.bound} (try ${api.url}/api/status)`,
      );
      // Under systemd (Type=notify): started once the API serves; WatchdogSec pings while making progress.
      const systemd = new SystemdNotifier({
        clock: medic.clock,
        logger: medic.logger,
        stalled: () => medic.stalled(),
      });
      await systemd.ready(`watching ${services.length} service(s); API on ${api.bound}`);
      let stopping = false;
      const shutdown = async (sig: string) => {
        if (stopping) return;
        stopping = true;
        medic.logger.info(`${sig}: stopping`);
        await systemd.stopping();
        await api.close();
        await medic.stop();
        process.exit(0);
      };
      process.on('SIGINT', () => void shutdown('SIGINT'));
      process.on('SIGTERM', () => void shutdown('SIGTERM'));
    });
}
