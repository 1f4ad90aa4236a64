/**
 * Joins the lines of one record: a stack trace's `at …` and `Caused by:` lines belong to the line that
 * started it. A line starts a new record unless it matches the continuation pattern.
 */
export const DEFAULT_CONTINUATION = /^(\s|Caused by:|\.\.\. \d+ more|Traceback|During handling|\})/;

export interface PendingLine {
  text: string;
  /** Byte offset just after this line's newline. */
  end: number;
}

export interface JoinedRecord {
  text: string;
  end: number;
  lines: number;
}

export class LineJoiner {
  private parts: string[] = [];
  private end = 0;

  constructor(
    private readonly continuation: RegExp | null = DEFAULT_CONTINUATION,
    private readonly maxLines = 200,
  ) {}

  /** Whether lines are ever joined (with no continuation pattern, each line is a record of its own). */
  get joins(): boolean {
    return this.continuation !== null;
  }

  /** Adds a line; returns the record it completed, if any. */
  push(line: PendingLine): JoinedRecord | null {
    // Nothing joins: a line is a record at once, and nothing waits for an idle flush.
    if (this.continuation === null) return { text: line.text, end: line.end, lines: 1 };
    const cont = this.continuation !== null && this.parts.length > 0 && this.continuation.test(line.text);
    if (cont && this.parts.length < this.maxLines) {
      this.parts.push(line.text);
      this.end = line.end;
      return null;
    }
    const done = this.flush();
    this.parts = [line.text];
    this.end = line.end;
    return done;
  }

  /** The record being built, finished now (idle timeout, rotation, stop). */
  flush(): JoinedRecord | null {
    if (this.parts.length === 0) return null;
    const rec = { text: this.parts.join('\n'), end: this.end, lines: this.parts.length };
    this.parts = [];
    return rec;
  }

  pending(): boolean {
    return this.parts.length > 0;
  }
}
