import { errorMessage } from '../core/index.js';

/**
 * A promise that failed with nobody awaiting it is a bug, but not one to take the healer down with it in the
 * middle of a heal (a database connection's timeout, rejected after its caller had moved on, once ended a
 * chaos drill and would end `medic run` the same way): it is said loudly on stderr, with its stack, and
 * Medic goes on. An uncaught exception still ends the process, as Node's default does.
 */
export function installRejectionGuard(write: (line: string) => void = (l) => process.stderr.write(l)): void {
  process.on('unhandledRejection', (reason) => {
    const err = reason instanceof Error ? (reason.stack ?? reason.message) : errorMessage(reason);
    write(
      `${JSON.stringify({ level: 50, time: Date.now(), msg: 'unhandled promise rejection (a bug): Medic keeps running', err })}\n`,
    );
  });
}
