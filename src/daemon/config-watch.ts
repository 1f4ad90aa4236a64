import type { Logger } from 'pino';
import { type LoadedConfig, watchConfig } from '../config/index.js';
import { type Bus, type Clock, ConfigError, errorMessage } from '../core/index.js';
import type { Store } from '../store/index.js';

interface ConfigWatchHost {
  clock: Clock;
  logger: Logger;
  bus: Bus;
  store: Pick<Store, 'audit'>;
  reload(next: LoadedConfig): Promise<void>;
}

/**
 * Reloads the daemon when its config file changes. A change that does not load is refused with the file,
 * line and field, logged, put on the bus and audited, and the running config is kept.
 */
export function watchDaemonConfig(file: string, d: ConfigWatchHost): { close(): void } {
  return watchConfig(file, {
    clock: d.clock,
    onChange: async (next) => {
      try {
        await d.reload(next);
        d.logger.info({ file: next.file }, 'config reloaded');
      } catch (err) {
        d.logger.error({ err }, 'config reload failed');
      }
    },
    onError: (err) => {
      const error = err instanceof ConfigError ? err.message : errorMessage(err);
      d.logger.error(`config change refused, keeping the running config:\n${error}`);
      d.bus.emit('config:rejected', { file, at: d.clock.now(), error });
      void d.store.audit({
        at: d.clock.now(),
        actor: 'medic',
        event: 'config.rejected',
        subject: file,
        data: { error },
      });
    },
  });
}
