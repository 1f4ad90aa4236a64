import { constants as fsConstants } from 'node:fs';
import fs from 'node:fs/promises';
import path from 'node:path';
import YAML, { isScalar } from 'yaml';
import { ActionError, errorMessage } from '../../core/index.js';
import { checkDirs, renderStepPath } from '../safe-path.js';
import { baseVars } from '../template.js';
import { writeAtomic } from '../write-atomic.js';
import type { ActionContext, RemediationAction, StepBackup } from './action.js';
import { type ExtendedStep, type FileStep, fileStep, parseStep } from './steps.js';

type Scalar = string | number | boolean;
type Format = 'yaml' | 'json' | 'env';

interface Bounds {
  min: number | null;
  max: number | null;
  allowed: Scalar[] | null;
}

export function fileFormat(file: string, format?: Format): Format {
  if (format) return format;
  const base = path.basename(file).toLowerCase();
  const ext = path.extname(base);
  if (ext === '.yaml' || ext === '.yml') return 'yaml';
  if (ext === '.json') return 'json';
  if (ext === '.env' || base.startsWith('.env')) return 'env';
  throw new ActionError(`cannot tell the format of ${file}: set format to yaml, json or env`);
}

/** Refuses a value outside the declared bounds or list. */
export function checkBounds(value: Scalar, b: Bounds): void {
  if (b.min !== null && b.max !== null) {
    if (typeof value !== 'number' || !Number.isFinite(value))
      throw new ActionError(`refused: ${JSON.stringify(value)} is not a number`);
    if (value < b.min || value > b.max)
      throw new ActionError(`refused: ${value} is outside the bounds ${b.min}..${b.max}`);
  }
  if (b.allowed !== null && !b.allowed.some((a) => a === value || String(a) === String(value)))
    throw new ActionError(`refused: ${JSON.stringify(value)} is not one of ${JSON.stringify(b.allowed)}`);
}

/** Floating-point sums such as 0.8 + 0.4 come out as 1.2, not 1.2000000000000002. */
function tidy(n: number): number {
  return Number(n.toPrecision(12));
}

interface Edit {
  /** The current value, or undefined when the key is missing. */
  current: Scalar | undefined;
  /** The file's text with the key set. */
  set(value: Scalar): string;
}

function yamlPath(key: string): (string | number)[] {
  return key.split('.').map((k) => (/^\d+$/.test(k) ? Number(k) : k));
}

function editYaml(text: string, key: string, file: string): Edit {
  const doc = YAML.parseDocument(text);
  if (doc.errors.length > 0) throw new ActionError(`${file} is not valid YAML: ${doc.errors[0]?.message}`);
  const p = yamlPath(key);
  const cur: unknown = doc.getIn(p);
  if (cur !== undefined && !['string', 'number', 'boolean'].includes(typeof cur))
    throw new ActionError(`${key} in ${file} is not a scalar`);
  const node = doc.getIn(p, true);
  return {
    current: cur as Scalar | undefined,
    set(value) {
      // An existing plain value: replace its characters only, so the rest of the file stays byte for byte.
      if (
        isScalar(node) &&
        node.range &&
        (node.type === 'PLAIN' || node.type === 'QUOTE_DOUBLE' || node.type === 'QUOTE_SINGLE')
      ) {
        const [start, end] = node.range;
        const rendered =
          typeof value !== 'string' || node.type === 'PLAIN'
            ? YAML.stringify(value, { lineWidth: 0 }).trimEnd()
            : node.type === 'QUOTE_SINGLE'
              ? `'${value.replace(/'/g, "''")}'`
              : JSON.stringify(value);
        if (!rendered.includes('\n')) return text.slice(0, start) + rendered + text.slice(end);
      }
      doc.setIn(p, value);
      return doc.toString({ lineWidth: 0, flowCollectionPadding: false });
    },
  };
}

function editJson(text: string, key: string, file: string): Edit {
  let root: unknown;
  try {
    root = JSON.parse(text);
  } catch (err) {
    throw new ActionError(`${file} is not valid JSON: ${errorMessage(err)}`);
  }
  const parts = key.split('.');
  const last = parts.pop()!;
  let parent: unknown = root;
  for (const k of parts) {
    if (parent === null || typeof parent !== 'object' || !Object.hasOwn(parent, k))
      throw new ActionError(`${file} has no ${key}`);
    parent = (parent as Record<string, unknown>)[k];
  }
  if (parent === null || typeof parent !== 'object') throw new ActionError(`${file} has no ${key}`);
  const obj = parent as Record<string, unknown>;
  const cur = Object.hasOwn(obj, last) ? obj[last] : undefined;
  if (cur !== undefined && !['string', 'number', 'boolean'].includes(typeof cur))
    throw new ActionError(`${key} in ${file} is not a scalar`);
  const indent = /\n([ \t]+)\S/.exec(text)?.[1] ?? 2;
  const newline = text.endsWith('\n') ? '\n' : '';
  return {
    current: cur as Scalar | undefined,
    set(value) {
      obj[last] = value;
      return JSON.stringify(root, null, indent) + newline;
    },
  };
}

const ENV_KEY = /^[A-Za-z_][A-Za-z0-9_]*$/;

function unquote(v: string): string {
  const t = v.trim();
  if (t.length >= 2 && t.startsWith('"') && t.endsWith('"')) {
    try {
      return JSON.parse(t) as string;
    } catch {
      return t.slice(1, -1);
    }
  }
  if (t.length >= 2 && t.startsWith("'") && t.endsWith("'")) return t.slice(1, -1);
  return t.replace(/\s+#.*$/, '');
}

function editEnv(text: string, key: string, file: string): Edit {
  if (!ENV_KEY.test(key)) throw new ActionError(`${JSON.stringify(key)} is not an environment variable name`);
  const lines = text.split('\n');
  const re = new RegExp(`^(\\s*(?:export\\s+)?${key}\\s*=\\s*)(.*)$`);
  const at = lines.findIndex((l) => re.test(l));
  const cur = at >= 0 ? unquote(re.exec(lines[at]!)![2]!) : undefined;
  if (at >= 0 && lines.slice(at + 1).some((l) => re.test(l)))
    throw new ActionError(`${key} is set more than once in ${file}`);
  return {
    current: cur,
    set(value) {
      const s = String(value);
      const v = /^[A-Za-z0-9_./:@%+,-]*$/.test(s) ? s : JSON.stringify(s);
      if (at >= 0) {
        const out = [...lines];
        out[at] = re.exec(lines[at]!)![1] + v;
        return out.join('\n');
      }
      const sep = text === '' || text.endsWith('\n') ? '' : '\n';
      return `${text}${sep}${key}=${v}\n`;
    },
  };
}

function edit(format: Format, text: string, key: string, file: string): Edit {
  if (format === 'yaml') return editYaml(text, key, file);
  if (format === 'json') return editJson(text, key, file);
  return editEnv(text, key, file);
}

/** Restores the files the engine backed up before this step (also the engine's default rollback). */
export async function restoreFiles(
  ctx: Pick<ActionContext<unknown>, 'backups'>,
  backup: StepBackup,
): Promise<string> {
  if (!ctx.backups) throw new ActionError('no backup store: cannot restore');
  if (backup.files.length === 0) throw new ActionError('nothing was backed up: cannot restore');
  const done: string[] = [];
  for (const rec of backup.files) {
    await ctx.backups.restore(rec.id);
    done.push(`${rec.path} (${rec.id})`);
  }
  return `restored ${done.join(', ')}`;
}

/**
 * Sets one key of a YAML, JSON or .env file, to a value or by a change to the current number, only within
 * the bounds the step declares. The file is backed up by the engine first (`plan.backup`); rollback restores
 * it byte for byte. Comments and formatting of YAML survive; JSON keeps its indentation.
 */
export const fileAction: RemediationAction<ExtendedStep> = {
  kind: 'file',
  plan(step, service, _services, pctx) {
    const s: FileStep = parseStep(fileStep, step.file, 'file');
    const file = renderStepPath(s.path, baseVars(service, pctx?.vars), pctx?.baseDir ?? '.', pctx?.files);
    const format = fileFormat(file, s.format);
    const bounds: Bounds = { min: s.min ?? null, max: s.max ?? null, allowed: s.allowed ?? null };
    if (s.value !== undefined) checkBounds(s.value, bounds);
    const change = s.value !== undefined ? `to ${JSON.stringify(s.value)}` : `by ${s.by}`;
    const limits = bounds.allowed ? `one of ${JSON.stringify(bounds.allowed)}` : `bounds ${s.min}..${s.max}`;
    return {
      kind: 'file',
      target: service,
      params: {
        path: file,
        format,
        key: s.key,
        value: s.value ?? null,
        by: s.by ?? null,
        ...bounds,
        create: s.create,
        backupFiles: [file],
      },
      description: `set ${s.key} in ${file} ${change} (${limits})`,
      backup: { files: [file] },
    };
  },
  async apply(plan, ctx) {
    const p = plan.params as unknown as {
      path: string;
      format: Format;
      key: string;
      value: Scalar | null;
      by: number | null;
      create: boolean;
    } & Bounds;
    let text: string;
    let target: string;
    let st: import('node:fs').Stats;
    try {
      // A symlinked config is edited at its target and stays a link; the rename would otherwise replace
      // the link by a regular file (and a restore, which follows the link, would write elsewhere).
      target = await fs.realpath(p.path);
      // O_NOFOLLOW: the resolved file itself must not have become a link since (to a file Medic would chown).
      const h = await fs.open(target, fsConstants.O_RDONLY | fsConstants.O_NOFOLLOW);
      try {
        st = await h.stat();
        text = await h.readFile('utf8');
      } finally {
        await h.close();
      }
    } catch (err) {
      throw new ActionError(`cannot read ${p.path}: ${errorMessage(err)}`);
    }
    if (!st.isFile()) throw new ActionError(`${p.path} is not a regular file`);
    checkDirs(target, ctx.files);
    const e = edit(p.format, text, p.key, p.path);
    if (e.current === undefined && !p.create) throw new ActionError(`${p.path} has no ${p.key}`);
    let next: Scalar;
    if (p.by !== null) {
      const cur = typeof e.current === 'number' ? e.current : Number(e.current);
      if (e.current === undefined || e.current === '' || !Number.isFinite(cur))
        throw new ActionError(`${p.key} in ${p.path} is ${JSON.stringify(e.current)}, not a number`);
      next = tidy(cur + p.by);
    } else next = p.value!;
    checkBounds(next, p);
    if (
      e.current !== undefined &&
      String(e.current) === String(next) &&
      (p.format === 'env' || typeof e.current === typeof next)
    )
      return `${p.key} in ${p.path} already is ${JSON.stringify(next)}: unchanged`;
    const out = e.set(next);
    // Re-read what we wrote as the reader would: a file Medic cannot parse back is never written.
    if (String(edit(p.format, out, p.key, p.path).current) !== String(next))
      throw new ActionError(`setting ${p.key} in ${p.path} did not round-trip: not written`);
    // Same mode, owner and group: as root, `app:app 0640` must not come back as `root 0640`.
    await writeAtomic(target, out, st.mode & 0o7777, { uid: st.uid, gid: st.gid });
    return `set ${p.key} in ${p.path} from ${JSON.stringify(e.current ?? null)} to ${JSON.stringify(next)}`;
  },
  rollback(_plan, ctx, backup) {
    return restoreFiles(ctx, backup);
  },
};
