export interface FaultTarget {
  service: string;
  pid: number;
}

/** One way to break a service on purpose, and how to undo it if Medic does not. */
export interface Fault {
  readonly name: string;
  readonly description: string;
  inject(t: FaultTarget): Promise<void>;
  undo(t: FaultTarget): Promise<void>;
}

export function signal(pid: number, sig: NodeJS.Signals): void {
  try {
    process.kill(pid, sig);
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code !== 'ESRCH') throw err;
  }
}
