/**
 * Plain-text log lines with a header: a pattern in logparser's notation, `<Date> <Time> <Level> <Component>:
 * <Content>`, where `<Name>` captures a field, runs of spaces match any whitespace, and anything else is a
 * regular expression (so `\[<Pid>\]` and `(\[<PID>\])?` work as they do in Loghub's log_format.txt).
 */

export interface HeaderFields {
  /** The message: what the template miner reads. */
  content: string;
  /** Every other field of the pattern, by its name. */
  fields: Record<string, string>;
}

export interface HeaderParser {
  readonly pattern: string;
  readonly fieldNames: readonly string[];
  /** Splits a line into its fields, or null when it does not have the header (a continuation line). */
  parse(line: string): HeaderFields | null;
  /**
   * The content and the level field (`Level`, `level` or `Severity`, the first the pattern has; null when it
   * has none) without building the other fields: what the log pipeline needs per line. Null as for `parse`.
   * `from`: where the content begins in `line` when it is the line's tail as given (-1 otherwise), so that a
   * reader can scan the line from there rather than the content cut from it (a slice, slower to read).
   */
  split(line: string): { content: string; level: string | null; from: number } | null;
}

/**
 * Capturing groups that open in a regular expression's source, in order: `(` not followed by `?`, and named
 * groups `(?<name>`; escapes and character classes are skipped. Fields are read by group number, which
 * spares the `groups` object a named-group match builds.
 */
function countGroups(source: string): number {
  let n = 0;
  let inClass = false;
  for (let i = 0; i < source.length; i++) {
    const c = source[i];
    if (c === '\\') i++;
    else if (inClass) inClass = c !== ']';
    else if (c === '[') inClass = true;
    else if (c === '(') {
      if (source[i + 1] !== '?') n++;
      else if (source[i + 2] === '<' && source[i + 3] !== '=' && source[i + 3] !== '!') n++;
    }
  }
  return n;
}

export function compileHeader(pattern: string): HeaderParser {
  const parts = pattern.trim().split(/(<[^<>]+>)/);
  const names: string[] = [];
  for (let i = 1; i < parts.length; i += 2) names.push((parts[i] as string).slice(1, -1));
  if (!names.includes('Content')) throw new Error(`header pattern "${pattern}" has no <Content> field`);
  const levelName = ['Level', 'level', 'Severity'].find((n) => names.includes(n));
  const full = compileFields(parts, () => true);
  // What the pipeline reads per line: the content and the level, no other field cut out of the line.
  const lean = compileFields(parts, (name) => name === 'Content' || name === levelName);
  const contentField = names.indexOf('Content');
  const contentGroup = full.index[contentField] as number;
  const leanContent = lean.index[contentField] as number;
  const leanLevel = levelName === undefined ? -1 : (lean.index[names.indexOf(levelName)] as number);
  // With the content last, the header alone is matched: where its match ends, the content begins, and the
  // expression does not read the content through. Without a level, by a test, which unlike an exec makes no
  // match array (the largest share of the header's garbage); with one, by an exec capturing it. The same split
  // as the full expression's: its content, `.*` in dotall mode, matches whatever follows any header, so the
  // header's first match is the full expression's.
  const prefix = headerOnly(parts, levelName);
  // The content ends the pattern: it is the tail of the line it was matched in.
  const contentLast = parts[parts.length - 2] === '<Content>' && parts[parts.length - 1] === '';
  return {
    pattern,
    fieldNames: names,
    parse(line: string): HeaderFields | null {
      const m = full.re.exec(line.trim());
      if (!m) return null;
      const fields: Record<string, string> = {};
      for (let i = 0; i < names.length; i++) {
        if (i !== contentField) fields[names[i] as string] = m[full.index[i] as number] ?? '';
      }
      return { content: m[contentGroup] ?? '', fields };
    },
    split(line: string): { content: string; level: string | null; from: number } | null {
      const t = trimmed(line);
      if (prefix !== null) {
        const re = prefix.re;
        re.lastIndex = 0;
        let level: string | null = null;
        if (prefix.level < 0) {
          if (!re.test(t)) return null;
        } else {
          const m = re.exec(t);
          if (m === null) return null;
          level = m[prefix.level] ?? '';
        }
        const at = re.lastIndex;
        return { content: t.slice(at), level, from: t === line ? at : -1 };
      }
      const m = lean.re.exec(t);
      if (!m) return null;
      const content = m[leanContent] ?? '';
      return {
        content,
        level: leanLevel < 0 ? null : (m[leanLevel] ?? ''),
        from: contentLast && t === line ? line.length - content.length : -1,
      };
    },
  };
}

/** The line without white space at either end; the line itself (no copy) when it has none, the usual case. */
function trimmed(line: string): string {
  const n = line.length;
  if (n === 0) return line;
  const a = line.charCodeAt(0);
  const z = line.charCodeAt(n - 1);
  return a > 32 && a < 128 && z > 32 && z < 128 ? line : line.trim();
}

/**
 * The pattern up to its content, as a sticky expression capturing the level field `levelName` (if any) as group
 * `level` (-1: none), or null when the content is not the last field: what `compileFields` would match before
 * the content's group.
 */
function headerOnly(
  parts: readonly string[],
  levelName: string | undefined,
): { re: RegExp; level: number } | null {
  const n = parts.length;
  // A field right before the content (no text between) is lazy there and would be greedy here.
  if (n < 5 || parts[n - 2] !== '<Content>' || parts[n - 1] !== '' || parts[n - 3] === '') return null;
  const head = parts.slice(0, n - 2);
  const { re, index } = compileFields(head, (name) => name === levelName);
  const at = levelName === undefined ? -1 : head.indexOf(`<${levelName}>`);
  // compileFields anchors at both ends; the header alone is anchored at its start only.
  return {
    re: new RegExp(re.source.slice(0, -1), 'sy'),
    level: at < 0 ? -1 : (index[(at - 1) / 2] as number),
  };
}

/**
 * The regular expression of a header pattern split into `parts` (text, `<Field>`, text, …), capturing the
 * fields `keep` names; `index` is each field's group number (-1 when not captured). A field that ends the
 * pattern is matched greedily: lazily it would grow one character at a time to the line's end, to the same
 * result.
 */
function compileFields(
  parts: readonly string[],
  keep: (name: string) => boolean,
): { re: RegExp; index: number[] } {
  const index: number[] = [];
  let source = '';
  for (let i = 0; i < parts.length; i++) {
    const part = parts[i] as string;
    if (i % 2 === 0) {
      source += part.replace(/ +/g, '\\s+');
      continue;
    }
    const last = i === parts.length - 2 && parts[i + 1] === '';
    const body = last ? '.*' : '.*?';
    if (keep(part.slice(1, -1))) {
      index.push(countGroups(source) + 1);
      source += `(${body})`;
    } else {
      index.push(-1);
      source += `(?:${body})`;
    }
  }
  return { re: new RegExp(`^${source}$`, 's'), index };
}
