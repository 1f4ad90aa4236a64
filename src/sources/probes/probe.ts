import type { CheckConfig, CheckKind } from '../../config/index.js';
import type { ProbeResult } from '../../core/index.js';

export interface ProbeContext {
  /** Aborted when the check's timeout elapses (or Medic stops): a probe must stop work and return promptly. */
  signal: AbortSignal;
  service: string;
  /** Directory relative paths in the check (pidfile, cwd, disk path) are resolved against: the config file's. */
  baseDir: string;
  /** Pid of the service's supervised process, when Medic runs it. */
  supervisedPid(): number | null;
}

/** One kind of health check. A probe never throws for a failed check: it returns `ok: false` with a reason. */
export interface Probe {
  readonly kind: CheckKind;
  run(check: CheckConfig, ctx: ProbeContext): Promise<ProbeResult>;
}
