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
}

export function compileHeader(pattern: string): HeaderParser {
  const parts = pattern.trim().split(/(<[^<>]+>)/);
  const names: string[] = [];
  let source = '';
  for (let i = 0; i < parts.length; i++) {
    const part = parts[i] as string;
    if (i % 2 === 0) {
      source += part.replace(/ +/g, '\\s+');
    } else {
      const name = part.slice(1, -1);
      const group = `f${names.length}`;
      names.push(name);
      source += `(?<${group}>.*?)`;
    }
  }
  if (!names.includes('Content')) throw new Error(`header pattern "${pattern}" has no <Content> field`);
  const re = new RegExp(`^${source}$`, 's');
  const contentGroup = `f${names.indexOf('Content')}`;
  return {
    pattern,
    fieldNames: names,
    parse(line: string): HeaderFields | null {
      const m = re.exec(line.trim());
      if (!m?.groups) return null;
      const fields: Record<string, string> = {};
      for (let i = 0; i < names.length; i++) {
        const key = `f${i}`;
        if (key !== contentGroup) fields[names[i] as string] = m.groups[key] ?? '';
      }
      return { content: m.groups[contentGroup] ?? '', fields };
    },
  };
}
