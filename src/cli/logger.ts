import pino, { type Logger } from 'pino';
import pretty from 'pino-pretty';

/**
 * Logs for a person at a terminal are pretty, one line each; logs for a collector (not a TTY, or
 * MEDIC_LOG_FORMAT=json) stay JSON lines. Level from MEDIC_LOG_LEVEL (default info).
 */
export function cliLogger(opts: { level?: string; stream?: 'stdout' | 'stderr' } = {}): Logger {
  const level = process.env['MEDIC_LOG_LEVEL'] ?? opts.level ?? 'info';
  const fd = opts.stream === 'stderr' ? 2 : 1;
  const tty = fd === 2 ? process.stderr.isTTY : process.stdout.isTTY;
  const format = process.env['MEDIC_LOG_FORMAT'] ?? (tty ? 'pretty' : 'json');
  if (format === 'pretty') {
    return pino(
      { level },
      pretty({
        destination: fd,
        colorize: tty,
        translateTime: 'SYS:HH:MM:ss',
        ignore: 'pid,hostname',
        sync: true,
      }),
    );
  }
  return pino({ level }, pino.destination({ fd, sync: false }));
}
