import { ActionError } from '../core/index.js';

/** A value a template may name: a scalar, or an object of them (`finding.labels.pod`). */
export type TemplateValue = string | number | boolean | { readonly [key: string]: TemplateValue | undefined };

/** The variables a step's parameters may use: `{{service.name}}`, `{{finding.labels.pod}}`, `{{incident.id}}`. */
export interface TemplateVars {
  readonly service: { readonly name: string };
  readonly [key: string]: TemplateValue | undefined;
}

const PLACEHOLDER = /\{\{\s*([^{}]*?)\s*\}\}/g;
const KEY = /^[A-Za-z_][A-Za-z0-9_-]*(?:\.[A-Za-z0-9_][A-Za-z0-9_-]*)*$/;

/** The variables every plan has, whatever the engine passes. */
export function baseVars(service: string, vars?: TemplateVars): TemplateVars {
  return vars ?? { service: { name: service } };
}

function lookup(vars: TemplateVars, key: string): string {
  if (!KEY.test(key)) throw new ActionError(`template: "{{${key}}}" is not a variable name`);
  let cur: TemplateValue | TemplateVars | undefined = vars;
  for (const part of key.split('.')) {
    if (cur === undefined || typeof cur !== 'object' || !Object.hasOwn(cur, part)) {
      throw new ActionError(`template: unknown variable "{{${key}}}"`);
    }
    cur = (cur as Record<string, TemplateValue | undefined>)[part];
  }
  if (cur === undefined || cur === null) throw new ActionError(`template: unknown variable "{{${key}}}"`);
  if (typeof cur === 'object') throw new ActionError(`template: "{{${key}}}" is an object, not a value`);
  return String(cur);
}

/**
 * Substitutes `{{key}}` placeholders in one string. The result is one string whatever the values hold:
 * nothing is split, quoted or interpreted. A stray `{{` or `}}` is an error, not silently left in.
 */
export function renderString(
  template: string,
  vars: TemplateVars,
  check?: (value: string, key: string) => void,
): string {
  const out = template.replace(PLACEHOLDER, (_, key: string) => {
    const value = lookup(vars, key);
    check?.(value, key);
    return value;
  });
  // What is left of the template (values already substituted are not re-scanned).
  const rest = template.replace(PLACEHOLDER, '');
  if (rest.includes('{{') || rest.includes('}}')) {
    throw new ActionError(`template: unbalanced braces in ${JSON.stringify(template)}`);
  }
  return out;
}

/** Renders each argv element on its own: one element in, one element out, never through a shell. */
export function renderArgv(argv: readonly string[], vars: TemplateVars): string[] {
  return argv.map((a) => renderString(a, vars, refuseOption));
}

/**
 * A substituted value (an alert label, say) must not turn into an option of the program: `--all` or
 * `-rf` in a label is refused. Literal flags written in the config are not substitutions and stay allowed.
 */
function refuseOption(value: string, key: string): void {
  if (value.startsWith('-')) {
    throw new ActionError(`template: {{${key}}} is ${JSON.stringify(value)}, which would act as an option`);
  }
}

/** True when a string names a template variable. */
export function isTemplated(s: string): boolean {
  return s.includes('{{');
}

/**
 * The value of each variable the templates name, by its dotted key: enough to render them again later
 * (an exec step's argv is journaled redacted, and rendered anew from the config when it runs).
 */
export function usedValues(templates: readonly string[], vars: TemplateVars): Record<string, string> {
  const out: Record<string, string> = {};
  for (const t of templates) for (const m of t.matchAll(PLACEHOLDER)) out[m[1]!] = lookup(vars, m[1]!);
  return out;
}

/** Template variables holding exactly the values `usedValues` recorded. */
export function varsFromValues(values: Readonly<Record<string, string>>, service: string): TemplateVars {
  const root: Record<string, TemplateValue> = { service: { name: service } };
  for (const [key, value] of Object.entries(values)) {
    if (!KEY.test(key)) throw new ActionError(`template: "${key}" is not a variable name`);
    const parts = key.split('.');
    let cur = root as Record<string, TemplateValue>;
    for (const p of parts.slice(0, -1)) {
      const next = Object.hasOwn(cur, p) ? cur[p] : undefined;
      cur[p] = next !== undefined && typeof next === 'object' ? { ...next } : {};
      cur = cur[p] as Record<string, TemplateValue>;
    }
    cur[parts[parts.length - 1]!] = value;
  }
  return root as unknown as TemplateVars;
}
