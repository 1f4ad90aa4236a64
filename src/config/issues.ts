import type { Document, LineCounter, YAMLError } from 'yaml';
import type { z } from 'zod';
import type { ConfigIssue } from '../core/index.js';
import { formatPath, locate, type PathSegment } from './locate.js';

type ZodIssue = z.core.$ZodIssue;

/** A YAML syntax error (or duplicate key) as a ConfigIssue, positioned by the document's LineCounter. */
export function yamlIssue(file: string, counter: LineCounter, err: YAMLError): ConfigIssue {
  const pos = counter.linePos(err.pos[0]);
  return { file, line: pos.line, column: pos.col, path: '', message: err.message };
}

/**
 * One zod issue as ConfigIssues pointing into the YAML source. An `unrecognized_keys` issue becomes one
 * issue per unknown key, each at that key, so a typo is found without reading the whole map.
 */
export function zodIssues(file: string, doc: Document, counter: LineCounter, issue: ZodIssue): ConfigIssue[] {
  const path = issue.path.map((p): PathSegment => (typeof p === 'number' ? p : String(p)));
  if (issue.code === 'unrecognized_keys') {
    return issue.keys.map((key) => at(file, doc, counter, [...path, key], 'unknown key', true));
  }
  if (issue.code === 'invalid_key') {
    const why = issue.issues[0]?.message ?? issue.message;
    return [at(file, doc, counter, path, `invalid name: ${why}`, true)];
  }
  const located = locate(doc, counter, path);
  // A path that is absent from the source is a required field nobody wrote.
  const message =
    issue.code === 'invalid_type' && !located.exact
      ? `required (expected ${issue.expected})`
      : describe(issue);
  return [
    {
      file,
      line: located.position?.line ?? null,
      column: located.position?.column ?? null,
      path: formatPath(path),
      message,
    },
  ];
}

function at(
  file: string,
  doc: Document,
  counter: LineCounter,
  path: PathSegment[],
  message: string,
  pointAtKey: boolean,
): ConfigIssue {
  const { position } = locate(doc, counter, path, pointAtKey);
  return {
    file,
    line: position?.line ?? null,
    column: position?.column ?? null,
    path: formatPath(path),
    message,
  };
}

/** zod's union message is a bare "Invalid input"; name what each branch expected instead. */
function describe(issue: ZodIssue): string {
  if (issue.code !== 'invalid_union') return issue.message;
  const expected = issue.errors.map((branch) => {
    const first = branch[0];
    return branch.length === 1 && first?.code === 'invalid_type' && first.path.length === 0
      ? first.expected
      : null;
  });
  if (expected.length === 0 || expected.some((e) => e === null)) return issue.message;
  return `expected ${[...new Set(expected)].join(' or ')}`;
}
