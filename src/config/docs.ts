/**
 * docs/configuration.md, generated from the config schema itself (`npm run docs:config`): every key, its
 * type, default and the sentence its schema `.describe()`s. The descriptions live beside the schema so the
 * page cannot drift from what Medic accepts; a test fails on a key without one, or a stale page.
 */
import { z } from 'zod';
import { configSchema } from './schema.js';

export interface ConfigKey {
  /** Dotted path; `<name>` stands for a key you choose, `[]` for a list entry. */
  path: string;
  type: string;
  default?: unknown;
  description?: string;
  /** The value is a duration (given as `30s`, `5m`, `1h` or milliseconds). */
  duration: boolean;
}

type Node = Record<string, unknown>;

/** Every key of medic.yaml, in schema order, with what the JSON Schema says of it. */
export function configKeys(): ConfigKey[] {
  const input = z.toJSONSchema(configSchema, { io: 'input', unrepresentable: 'any' }) as Node;
  // The output side knows defaults the input side leaves out (a duration's default is a number of ms).
  const output = z.toJSONSchema(configSchema, { io: 'output', unrepresentable: 'any' }) as Node;
  const outDefaults = new Map<string, unknown>();
  walk(output, '', (path, node) => {
    if ('default' in node && !outDefaults.has(path)) outDefaults.set(path, node['default']);
  });
  const keys = new Map<string, ConfigKey>();
  walk(input, '', (path, node) => {
    const seen = keys.get(path);
    const description = typeof node['description'] === 'string' ? node['description'] : undefined;
    const def = 'default' in node ? node['default'] : outDefaults.get(path);
    if (seen) {
      // The same key in several variants (a check's `http` or `tcp`): one entry, every type it may take.
      seen.description ??= description;
      if (seen.default === undefined && def !== undefined) seen.default = def;
      const t = typeOf(node);
      if (!seen.type.split(' | ').includes(t)) seen.type = `${seen.type} | ${t}`;
      return;
    }
    keys.set(path, {
      path,
      type: typeOf(node),
      duration: node['format'] === 'duration',
      ...(def !== undefined ? { default: def } : {}),
      ...(description ? { description } : {}),
    });
  });
  return [...keys.values()];
}

/** Calls `visit` for every property, depth first, through variants, list items and maps. */
function walk(node: Node, path: string, visit: (path: string, node: Node) => void): void {
  for (const k of ['anyOf', 'oneOf', 'allOf'] as const)
    for (const v of (node[k] as Node[] | undefined) ?? []) walk(v, path, visit);
  const props = node['properties'] as Record<string, Node> | undefined;
  for (const [k, v] of Object.entries(props ?? {})) {
    const p = path ? `${path}.${k}` : k;
    visit(p, v);
    walk(v, p, visit);
  }
  const items = node['items'] as Node | undefined;
  if (items && typeof items === 'object') walk(items, `${path}[]`, visit);
  const extra = node['additionalProperties'];
  if (extra && typeof extra === 'object') walk(extra as Node, `${path}.<name>`, visit);
}

function typeOf(node: Node): string {
  if (node['format'] === 'duration') return 'duration';
  if (Array.isArray(node['enum']))
    return (node['enum'] as unknown[]).map((v) => JSON.stringify(v)).join(' | ');
  if ('const' in node) return JSON.stringify(node['const']);
  for (const k of ['anyOf', 'oneOf'] as const) {
    const variants = node[k] as Node[] | undefined;
    if (variants) return [...new Set(variants.map(typeOf))].join(' | ');
  }
  const t = node['type'];
  if (Array.isArray(t)) return t.join(' | ');
  if (t === 'array') {
    const items = node['items'] as Node | undefined;
    const inner = items ? typeOf(items) : 'any';
    return items?.['properties'] ? 'list of objects' : `list of ${inner}`;
  }
  if (t === 'object') {
    const extra = node['additionalProperties'];
    if (!node['properties'] && extra && typeof extra === 'object') {
      const inner = typeOf(extra as Node);
      return (extra as Node)['properties'] ? 'map of name → object' : `map of name → ${inner}`;
    }
    return 'object';
  }
  if (t === 'integer') return 'integer';
  return typeof t === 'string' ? t : 'any';
}

/** Keys the schema does not describe: each needs a `.describe()` beside its definition. */
export function undocumentedKeys(): string[] {
  return configKeys()
    .filter((k) => !k.description)
    .map((k) => k.path);
}

function defaultText(k: ConfigKey): string {
  if (k.default === undefined) return '';
  if (k.duration && typeof k.default === 'number') return `\`${durationText(k.default)}\``;
  const json = JSON.stringify(k.default);
  return json.length > 60 ? `\`${json.slice(0, 57)}…\`` : `\`${json}\``;
}

/** Milliseconds as medic.yaml writes them: the largest unit that divides them (`5m`, `1500ms`, `30d`). */
function durationText(ms: number): string {
  if (ms === 0) return '0';
  for (const [unit, size] of [
    ['d', 86_400_000],
    ['h', 3_600_000],
    ['m', 60_000],
    ['s', 1_000],
  ] as const)
    if (ms % size === 0) return `${ms / size}${unit}`;
  return `${ms}ms`;
}

const cell = (s: string) => s.replace(/\|/g, '\\|').replace(/\n/g, ' ');

/** The whole page: an introduction, then one table per top-level section. */
export function configDocs(): string {
  const keys = configKeys();
  const sections = [...new Set(keys.map((k) => k.path.split(/[.[]/)[0]!))];
  const out = [
    '# Configuration reference',
    '',
    '<!-- Generated by `npm run docs:config` from the config schema (src/config/schema/*.ts): edit the',
    '     `.describe()` there, not this file. A test fails when this page is stale or a key lacks a sentence. -->',
    '',
    'Every key `medic.yaml` accepts, with its type, default and what it does. `<name>` stands for a name you',
    'choose (a service, a playbook); `[]` for an entry of a list. Durations are written `500ms`, `30s`, `5m`,',
    '`1h`, `7d` or as milliseconds; defaults are shown the same way. `medic config schema` prints the JSON',
    'Schema for editors; `medic config validate` checks a file against it.',
    '',
    '## Sections',
    '',
    ...sections.map((s) => `- [\`${s}\`](#${s.replace(/_/g, '_')})`),
  ];
  for (const section of sections) {
    const top = keys.find((k) => k.path === section);
    out.push('', `## ${section}`, '');
    if (top?.description) out.push(top.description, '');
    out.push('| Key | Type | Default | Description |', '| --- | --- | --- | --- |');
    for (const k of keys.filter((x) => x.path.startsWith(`${section}.`) || x.path.startsWith(`${section}[`)))
      out.push(
        `| \`${cell(k.path)}\` | ${cell(k.type)} | ${cell(defaultText(k))} | ${cell(k.description ?? '')} |`,
      );
  }
  return `${out.join('\n')}\n`;
}
