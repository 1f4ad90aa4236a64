import { createHash } from 'node:crypto';
import { readFile } from 'node:fs/promises';
import path from 'node:path';
import { LineCounter, parseDocument } from 'yaml';
import { ConfigError, type ConfigIssue, formatConfigIssue } from '../core/index.js';
import { yamlIssue, zodIssues } from './issues.js';
import { configSchema, type MedicConfig } from './schema.js';

export interface LoadedConfig {
  /** Absolute path of the config file. */
  file: string;
  /** Directory of the file: relative paths in the config (run.cwd, store.dir) resolve against it. */
  baseDir: string;
  config: MedicConfig;
  /** sha256 (hex) of the text the config was parsed from: what the audit log records of a reload. */
  sha256?: string;
}

/** Reads and validates a config file. Every failure, including an unreadable file, is a ConfigError. */
export async function loadConfig(file: string): Promise<LoadedConfig> {
  let text: string;
  try {
    text = await readFile(file, 'utf8');
  } catch (err) {
    throw readError(file, err);
  }
  return parseConfig(text, file);
}

export function readError(file: string, err: unknown): ConfigError {
  const code = (err as NodeJS.ErrnoException).code ?? (err as Error).message;
  return new ConfigError([
    { file, line: null, column: null, path: '', message: `cannot read ${path.resolve(file)}: ${code}` },
  ]);
}

/**
 * Parses config text. `file` is used as given in messages (what the user typed reads best), and resolved to
 * an absolute path for the result.
 */
export function parseConfig(text: string, file: string): LoadedConfig {
  const counter = new LineCounter();
  // uniqueKeys (the default) makes a duplicate key an error; merge allows `<<: *defaults` in service blocks.
  const doc = parseDocument(text, {
    lineCounter: counter,
    prettyErrors: false,
    uniqueKeys: true,
    merge: true,
  });
  if (doc.errors.length > 0) {
    throw new ConfigError(doc.errors.map((e) => yamlIssue(file, counter, e)));
  }
  let raw: unknown;
  try {
    raw = doc.toJS({ maxAliasCount: 1000 }) ?? {};
  } catch (err) {
    throw new ConfigError([{ file, line: null, column: null, path: '', message: (err as Error).message }]);
  }
  const result = configSchema.safeParse(raw);
  if (!result.success) {
    const issues = result.error.issues.flatMap((i) => zodIssues(file, doc, counter, i));
    throw new ConfigError(sortIssues(issues));
  }
  const abs = path.resolve(file);
  const sha256 = createHash('sha256').update(text).digest('hex');
  return { file: abs, baseDir: path.dirname(abs), config: result.data, sha256 };
}

function sortIssues(issues: ConfigIssue[]): ConfigIssue[] {
  return issues.sort((a, b) => (a.line ?? 0) - (b.line ?? 0) || (a.column ?? 0) - (b.column ?? 0));
}

/** One line per issue, as the CLI prints them. */
export function formatIssues(err: ConfigError): string {
  return err.issues.map(formatConfigIssue).join('\n');
}
