/**
 * The environment a child of Medic starts with (a supervised service, a probe's command, an exec step).
 * Medic's own environment holds its secrets (MEDIC_TOKEN, MEDIC_STORE_URL with its password, the LLM key):
 * a child gets only the variables every program expects from a login session, plus what the config gives it.
 */

/** Names passed through as they are. */
const ALLOWED = new Set([
  'PATH',
  'HOME',
  'USER',
  'LOGNAME',
  'SHELL',
  'LANG',
  'LANGUAGE',
  'TZ',
  'TMPDIR',
  'TERM',
  'HOSTNAME',
  'XDG_RUNTIME_DIR',
]);

/** Prefixes passed through: locale settings. */
const ALLOWED_PREFIXES = ['LC_'];

export function isInheritable(name: string): boolean {
  return ALLOWED.has(name) || ALLOWED_PREFIXES.some((p) => name.startsWith(p));
}

/**
 * The allow-listed part of `from` (default: Medic's environment) with `extra` (the config's `env`) on top.
 * What the config names is given as configured, even a name that is not on the list.
 */
export function childEnv(
  extra: Readonly<Record<string, string>> = {},
  from: NodeJS.ProcessEnv = process.env,
): Record<string, string> {
  const env: Record<string, string> = {};
  for (const [k, v] of Object.entries(from)) if (v !== undefined && isInheritable(k)) env[k] = v;
  return { ...env, ...extra };
}
