/** Typed errors: each carries a stable code that the API and CLI report. */
export class MedicError extends Error {
  constructor(
    readonly code: string,
    message: string,
    options?: { cause?: unknown },
  ) {
    super(message, options);
    this.name = new.target.name;
  }
}

export interface ConfigIssue {
  file: string;
  line: number | null;
  column: number | null;
  path: string;
  message: string;
}

export class ConfigError extends MedicError {
  constructor(readonly issues: ConfigIssue[]) {
    super('config_invalid', issues.map(formatConfigIssue).join('\n'));
  }
}

export function formatConfigIssue(i: ConfigIssue): string {
  const where = i.line === null ? i.file : `${i.file}:${i.line}`;
  return i.path ? `${where}: ${i.path}: ${i.message}` : `${where}: ${i.message}`;
}

export class NotFoundError extends MedicError {
  constructor(what: string) {
    super('not_found', `${what} not found`);
  }
}

export class ConflictError extends MedicError {
  constructor(message: string) {
    super('conflict', message);
  }
}

export class ProbeError extends MedicError {
  constructor(message: string, options?: { cause?: unknown }) {
    super('probe_failed', message, options);
  }
}

export class ActionError extends MedicError {
  constructor(message: string, options?: { cause?: unknown }) {
    super('action_failed', message, options);
  }
}

/**
 * A step found nothing to do: the state it corrects is not there (the file already is its known good
 * version, the link already points at the release asked for) and it changed nothing. Not a failed heal: the
 * premise of its playbook does not hold, and the engine weighs the other playbooks instead.
 */
export class NotApplicableError extends ActionError {
  override readonly code = 'not_applicable';
}

export class StoreError extends MedicError {
  constructor(message: string, options?: { cause?: unknown }) {
    super('store_failed', message, options);
  }
}

export function errorMessage(err: unknown): string {
  if (err instanceof Error) return err.message;
  return String(err);
}
