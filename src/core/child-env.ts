/**
 * The environment a child of Medic starts with (a supervised service, a probe's command, an exec step).
 * Medic's own environment holds its secrets (MEDIC_TOKEN, MEDIC_STORE_URL with its password, the LLM key):
 * a child gets only the variables every program expects from a login session, the proxy and CA settings
 * every HTTP client reads, what its config's `inherit_env` names, and its config's `env` on top.
 */
import { readFileSync, statSync } from 'node:fs';
import { basename, resolve } from 'node:path';

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
  // Without these a child behind a proxy or a private CA cannot reach anything (curl, Node, Python, Go).
  'HTTP_PROXY',
  'HTTPS_PROXY',
  'NO_PROXY',
  'http_proxy',
  'https_proxy',
  'no_proxy',
  'SSL_CERT_FILE',
  'SSL_CERT_DIR',
  'NODE_EXTRA_CA_CERTS',
]);

/** Prefixes passed through: locale settings. */
const ALLOWED_PREFIXES = ['LC_'];

export function isInheritable(name: string): boolean {
  return ALLOWED.has(name) || ALLOWED_PREFIXES.some((p) => name.startsWith(p));
}

/** Whether `name` is listed in an `inherit_env`: an exact name, or `PREFIX_*` for every name it starts. */
export function isListed(name: string, inherit: readonly string[]): boolean {
  return inherit.some((p) => (p.endsWith('*') ? name.startsWith(p.slice(0, -1)) : name === p));
}

/**
 * The allow-listed part of `from` (default: Medic's environment), the names `inherit` lists, and `extra` (the
 * config's `env`) on top. What the config names is given as configured, even a name that is not on the list.
 */
export function childEnv(
  extra: Readonly<Record<string, string>> = {},
  inherit: readonly string[] = [],
  from: NodeJS.ProcessEnv = process.env,
): Record<string, string> {
  const env: Record<string, string> = {};
  for (const [k, v] of Object.entries(from))
    if (v !== undefined && (isInheritable(k) || isListed(k, inherit))) env[k] = v;
  return { ...env, ...extra };
}

/** Programs whose family of variables they read without naming them in argv (pg_isready reads PGHOST…). */
const FAMILIES: [RegExp, string][] = [
  [/^(?:pg_\w+|psql|postgres|initdb|createdb|dropdb)$/, 'PG'],
  [/^pm2$/, 'PM2_'],
];
const SCRIPT_MAX_BYTES = 256 * 1024;

export interface ChildSpec {
  argv: readonly string[];
  /** Where relative script paths in argv are found. */
  cwd: string;
  env?: Readonly<Record<string, string>>;
  inherit?: readonly string[];
}

/**
 * Names (never values) of variables Medic has that this child will not get and probably reads: those a
 * script in its argv (or a `-c` string) uses as `$NAME` / `${NAME}`, and the family of a known program (PG*
 * for PostgreSQL's tools, PM2_* for pm2). Empty when the child would miss nothing, so callers stay quiet.
 */
export function withheldNames(spec: ChildSpec, from: NodeJS.ProcessEnv = process.env): string[] {
  const wanted = new Set<string>();
  for (const arg of spec.argv) {
    for (const m of scriptText(arg, spec.cwd).matchAll(/\$\{?([A-Za-z_][A-Za-z0-9_]*)/g)) wanted.add(m[1]!);
    const family = FAMILIES.find(([re]) => re.test(basename(arg)))?.[1];
    if (family) for (const k of Object.keys(from)) if (k.startsWith(family)) wanted.add(k);
  }
  const given = childEnv(spec.env, spec.inherit, from);
  return [...wanted].filter((k) => from[k] !== undefined && !(k in given)).sort();
}

/** The text of a shell script argv names (a readable file of modest size), or the argument itself (`sh -c "…"`). */
function scriptText(arg: string, cwd: string): string {
  if (arg.startsWith('-')) return '';
  try {
    const path = resolve(cwd, arg);
    const st = statSync(path, { throwIfNoEntry: false });
    if (st?.isFile() && st.size <= SCRIPT_MAX_BYTES) {
      const text = readFileSync(path, 'utf8');
      // Shell scripts only: in a binary or a JavaScript file, `$NAME` is not a variable of the environment.
      const shell = /\.(?:sh|bash)$/.test(path) || /^#!.*\b(?:sh|bash|dash|ksh|zsh)\b/.test(text);
      return shell && !text.includes('\u0000') ? text : '';
    }
  } catch {
    // Unreadable: nothing to learn from it.
  }
  return arg.includes('$') ? arg : '';
}

/** ` (not given: A, B; list them in inherit_env)` when the child missed some, else '': for a failure's message. */
export function withheldHint(spec: ChildSpec): string {
  const names = withheldNames(spec);
  return names.length > 0 ? ` (not given Medic's ${names.join(', ')}: list them in inherit_env)` : '';
}

const reported = new Set<string>();

/**
 * Says once per process and child (`key`: service, check or step) which variables it did not get, via `log`,
 * and only when there are some: the usual child needs nothing beyond the allow-list and says nothing.
 */
export function reportWithheld(key: string, spec: ChildSpec, log: (message: string) => void): string[] {
  if (reported.has(key)) return [];
  reported.add(key);
  const names = withheldNames(spec);
  if (names.length > 0)
    log(
      `${key}: not given Medic's ${names.join(', ')} (children get an allow-list of its environment); ` +
        'list what it needs in inherit_env',
    );
  return names;
}
