import { statSync } from 'node:fs';
import path from 'node:path';
import { ActionError } from '../core/index.js';
import { isTemplated, renderString, type TemplateVars } from './template.js';

/** The config's exceptions to the rules below (`policy.files`), as absolute paths. */
export interface FileRules {
  /** Directories another user can write where Medic may still write. */
  sharedDirs: readonly string[];
  /** Directories a templated path may reach with an absolute value or a `..` segment. */
  templatePaths: readonly string[];
}

export const NO_EXCEPTIONS: FileRules = { sharedDirs: [], templatePaths: [] };

function within(file: string, dirs: readonly string[]): boolean {
  return dirs.some((d) => {
    const rel = path.relative(path.resolve(d), file);
    return rel === '' || (!rel.startsWith('..') && !path.isAbsolute(rel));
  });
}

/**
 * Renders a step's path. A value substituted from an alert's labels that is absolute or holds a `..`
 * segment could point the step at any file (`/etc/shadow`, `../../root/.ssh`): refused, unless the resolved
 * path lies in one of `policy.files.template_paths`.
 */
export function renderStepPath(
  template: string,
  vars: TemplateVars,
  baseDir: string,
  rules: FileRules = NO_EXCEPTIONS,
): string {
  const bad: string[] = [];
  const rendered = renderString(template, vars, (value, key) => {
    if (path.isAbsolute(value) || value.split(/[/\\]/).includes('..'))
      bad.push(`{{${key}}} is ${JSON.stringify(value)}`);
  });
  if (isTemplated(template) && rendered.split('/').includes('..')) bad.push(`the path holds ".."`);
  const file = path.isAbsolute(rendered) ? path.normalize(rendered) : path.resolve(baseDir, rendered);
  if (bad.length > 0 && !within(file, rules.templatePaths))
    throw new ActionError(
      `refused: ${bad.join('; ')} (a templated path may not be absolute or climb with "..": list the directory in policy.files.template_paths to allow it)`,
    );
  return file;
}

/**
 * Refuses a file whose directory, or any directory above it, another user can write (not Medic's own user or
 * group, nor root): that user could put a link to a system file in its place between Medic's check and its
 * write. Sticky directories (/tmp) protect
 * their entries and are fine above the file's own directory. `policy.files.shared_dirs` are accepted.
 */
export function checkDirs(file: string, rules: FileRules = NO_EXCEPTIONS): void {
  if (within(file, rules.sharedDirs)) return;
  const me = process.geteuid?.() ?? 0;
  // Medic's own group is trusted as its user is: Debian gives each user a private group and umask 002, so a
  // checkout is 0775 owned by user:user.
  const myGroup = process.getegid?.() ?? 0;
  let dir = path.dirname(file);
  for (let first = true; ; first = false) {
    const st = statSync(dir, { throwIfNoEntry: false });
    if (st) {
      const sticky = (st.mode & 0o1000) !== 0;
      const others =
        (st.uid !== me && st.uid !== 0 && (st.mode & 0o200) !== 0) ||
        (st.gid !== 0 && st.gid !== myGroup && (st.mode & 0o020) !== 0 && !(sticky && !first)) ||
        ((st.mode & 0o002) !== 0 && !(sticky && !first));
      if (others)
        throw new ActionError(
          `refused: ${dir} can be written by another user (owner ${st.uid}, mode ${(st.mode & 0o7777).toString(8)}), who could swap ${file} for a link: list it in policy.files.shared_dirs to allow it`,
        );
    }
    const up = path.dirname(dir);
    if (up === dir) return;
    dir = up;
  }
}

/** `policy.files` of a loaded config, its relative paths resolved against the config's directory. */
export function fileRules(cfg: {
  baseDir: string;
  config: { policy?: { files?: { shared_dirs: string[]; template_paths: string[] } } };
}): FileRules {
  const f = cfg.config.policy?.files;
  const abs = (dirs: readonly string[] = []) => dirs.map((d) => path.resolve(cfg.baseDir, d));
  return { sharedDirs: abs(f?.shared_dirs), templatePaths: abs(f?.template_paths) };
}
