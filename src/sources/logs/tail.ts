import { closeSync, fstatSync, openSync, readdirSync, readSync, type Stats, statSync, watch } from 'node:fs';
import { basename, dirname, join } from 'node:path';
import type { Clock, TimerHandle } from '../../core/index.js';
import { RealClock } from '../../core/index.js';
import { DEFAULT_CONTINUATION, type JoinedRecord, LineJoiner } from './multiline.js';
import type { OffsetStore, TailPosition } from './offsets.js';

/** One record read from a file: a line, or several joined (a stack trace). */
export interface TailRecord {
  text: string;
  path: string;
  dev: number;
  ino: number;
  /** Byte offset just after the record: where a restart resumes once this record is committed. */
  end: number;
  lines: number;
}

export interface TailOptions {
  path: string;
  /** Receives records in file order; the position is saved only after it returns (or resolves). */
  onRecords: (records: TailRecord[]) => void | Promise<void>;
  offsets?: OffsetStore;
  clock?: Clock;
  /** Poll interval: fs.watch only hurries a poll, since it misses events on some filesystems. */
  pollMs?: number;
  /** A multi-line record is finished after this long without a continuation line. */
  idleFlushMs?: number;
  /** Continuation lines (joined to the record before them); null joins nothing. */
  continuation?: RegExp | null;
  /** With no saved position, start at the end of the file (skip history) rather than at its start. */
  fromEnd?: boolean;
  chunkBytes?: number;
  maxLineBytes?: number;
}

export interface TailStats {
  records: number;
  bytes: number;
  rotations: number;
  truncations: number;
  /** Lines cut because they exceeded maxLineBytes. */
  truncatedLines: number;
}

interface Open {
  fd: number;
  dev: number;
  ino: number;
  path: string;
  /** Offset just after the last complete line read. */
  read: number;
}

/**
 * Follows a file the way `tail -F` does, and more: a rename (logrotate) is noticed by the inode changing,
 * the old file is read to its end before the new one is opened; a truncation (copytruncate) restarts at 0;
 * records are delivered at least once in order, and the saved position makes a restart resume after the
 * last delivered record. If the file rotated while nobody was tailing, the rotated file is found by its
 * inode in the same directory and finished first. Records are exactly-once when the receiver stores them
 * together with their `end` position (see FileTailer.resumeAt).
 */
export class FileTailer {
  readonly stats: TailStats = { records: 0, bytes: 0, rotations: 0, truncations: 0, truncatedLines: 0 };
  private readonly clock: Clock;
  private readonly joiner: LineJoiner;
  private cur: Open | null = null;
  private timer: TimerHandle | undefined;
  private watcher: ReturnType<typeof watch> | null = null;
  private running = false;
  private ticking: Promise<void> | null = null;
  private lastData = 0;
  private resume: TailPosition | null;
  /** Files rotated away after the one being finished, while nobody was tailing: read them in order next. */
  private backlog: { dev: number; ino: number }[] = [];
  /** The files this tailer finished (dev:ino), newest last: a rotated file is never read twice. */
  private readonly finished: string[] = [];
  private readonly buf: Buffer;

  constructor(private readonly opts: TailOptions) {
    this.clock = opts.clock ?? new RealClock();
    this.joiner = new LineJoiner(opts.continuation === undefined ? DEFAULT_CONTINUATION : opts.continuation);
    this.resume = opts.offsets?.load() ?? null;
    this.buf = Buffer.allocUnsafe(opts.chunkBytes ?? 256 * 1024);
  }

  /** Overrides the saved position (a receiver that stores positions with records knows better). */
  resumeAt(pos: TailPosition | null): void {
    this.resume = pos;
  }

  async start(): Promise<void> {
    this.running = true;
    try {
      this.watcher = watch(dirname(this.opts.path), () => this.kick());
      this.watcher.on('error', () => {});
    } catch {
      this.watcher = null;
    }
    await this.poll();
  }

  async stop(): Promise<void> {
    this.running = false;
    this.clock.clearTimeout(this.timer);
    this.watcher?.close();
    await this.ticking;
    await this.deliver([this.joiner.flush()]);
    if (this.cur) closeSync(this.cur.fd);
    this.cur = null;
  }

  /** Reads whatever is there now (tests call it to step without timers). */
  async poll(): Promise<void> {
    if (this.ticking) return this.ticking;
    this.ticking = this.tick().finally(() => {
      this.ticking = null;
      if (this.running) {
        this.clock.clearTimeout(this.timer);
        this.timer = this.clock.setTimeout(() => void this.poll(), this.opts.pollMs ?? 250);
      }
    });
    return this.ticking;
  }

  private kick(): void {
    if (this.running && !this.ticking) void this.poll();
  }

  private async tick(): Promise<void> {
    if (!this.cur && !this.openInitial()) return;
    for (;;) {
      const cur = this.cur as Open;
      await this.readToEnd(cur);
      const st = statOrNull(this.opts.path);
      if (st && (st.ino !== cur.ino || st.dev !== cur.dev)) {
        // Rotated: what the writer added between the read above and the rename is read now, then the old file
        // is finished; the next one (a file rotated away while Medic was not running, else the new one)
        // starts at 0.
        await this.readToEnd(cur);
        await this.deliver([this.joiner.flush()]);
        closeSync(cur.fd);
        this.stats.rotations++;
        // It may have rotated more than once since the last look (a slow store held the reads back): the
        // files rotated away after this one are read, in order, before the live one.
        this.finished.push(`${cur.dev}:${cur.ino}`);
        if (this.finished.length > 64) this.finished.shift();
        if (this.backlog.length === 0) {
          const done = findByInode(this.opts.path, { dev: cur.dev, ino: cur.ino, offset: 0 });
          // Files finished already are left out: mtimes in one millisecond do not order them.
          if (done)
            this.backlog = rotatedAfter(this.opts.path, done, st).filter(
              (f) => !this.finished.includes(`${f.dev}:${f.ino}`),
            );
        }
        this.cur = this.openAt(this.nextBacklog() ?? this.opts.path, 0);
        if (!this.cur) return;
        continue;
      }
      if (st && st.size < cur.read) {
        await this.deliver([this.joiner.flush()]);
        this.stats.truncations++;
        cur.read = 0;
        this.save({ dev: cur.dev, ino: cur.ino, offset: 0 });
        continue;
      }
      break;
    }
    const idle = this.opts.idleFlushMs ?? 500;
    if (this.joiner.pending() && this.clock.now() - this.lastData >= idle)
      await this.deliver([this.joiner.flush()]);
  }

  /** Opens the file at start-up, finishing a file rotated away while Medic was not running. */
  private openInitial(): boolean {
    const st = statOrNull(this.opts.path);
    const pos = this.resume;
    if (pos && st && (st.ino !== pos.ino || st.dev !== pos.dev)) {
      const rotated = findByInode(this.opts.path, pos);
      if (rotated) {
        this.backlog = rotatedAfter(this.opts.path, rotated, st);
        this.cur = this.openAt(rotated, pos.offset);
        return this.cur !== null;
      }
    }
    if (!st) return false;
    let offset = 0;
    if (pos && st.ino === pos.ino && st.dev === pos.dev) offset = pos.offset <= st.size ? pos.offset : 0;
    else if (!pos && this.opts.fromEnd) offset = st.size;
    this.cur = this.openAt(this.opts.path, offset);
    return this.cur !== null;
  }

  /** The next file of the backlog, found again by its inode (logrotate may have renamed it meanwhile). */
  private nextBacklog(): string | null {
    while (this.backlog.length > 0) {
      const id = this.backlog.shift() as { dev: number; ino: number };
      const found = findByInode(this.opts.path, { ...id, offset: 0 });
      if (found) return found;
    }
    return null;
  }

  private openAt(path: string, offset: number): Open | null {
    try {
      const fd = openSync(path, 'r');
      const st = fstatSync(fd);
      return { fd, dev: st.dev, ino: st.ino, path, read: Math.min(offset, st.size) };
    } catch {
      return null;
    }
  }

  private async readToEnd(cur: Open): Promise<void> {
    const maxLine = this.opts.maxLineBytes ?? 64 * 1024;
    for (;;) {
      const n = readSync(cur.fd, this.buf, 0, this.buf.length, cur.read);
      if (n <= 0) return;
      this.lastData = this.clock.now();
      // Nothing joins: each line is a record at once, built here (no joined record to copy it from).
      const direct = !this.joiner.joins;
      const out: Array<JoinedRecord | null> = [];
      const records: TailRecord[] = [];
      let start = 0;
      for (let i = this.buf.indexOf(10, 0); i >= 0 && i < n; i = this.buf.indexOf(10, start)) {
        let text = this.buf.toString('utf8', start, i > start && this.buf[i - 1] === 13 ? i - 1 : i);
        if (i - start > maxLine) {
          text = text.slice(0, maxLine);
          this.stats.truncatedLines++;
        }
        start = i + 1;
        if (direct) records.push(this.record(cur, text, cur.read + start, 1));
        else out.push(this.joiner.push({ text, end: cur.read + start }));
      }
      if (start === 0) {
        // No newline in a full buffer: a runaway line. Cut it here rather than stall.
        if (n < this.buf.length) return;
        this.stats.truncatedLines++;
        start = n;
        const text = this.buf.toString('utf8', 0, maxLine);
        if (direct) records.push(this.record(cur, text, cur.read + n, 1));
        else out.push(this.joiner.push({ text, end: cur.read + n }));
      }
      cur.read += start;
      this.stats.bytes += start;
      if (direct) await this.send(cur, records);
      else await this.deliver(out);
      if (n < this.buf.length) return;
    }
  }

  private async deliver(records: Array<JoinedRecord | null>): Promise<void> {
    const cur = this.cur;
    if (!cur) return;
    const batch: TailRecord[] = [];
    for (const r of records) if (r) batch.push(this.record(cur, r.text, r.end, r.lines));
    await this.send(cur, batch);
  }

  private record(cur: Open, text: string, end: number, lines: number): TailRecord {
    return { text, path: cur.path, dev: cur.dev, ino: cur.ino, end, lines };
  }

  private async send(cur: Open, batch: TailRecord[]): Promise<void> {
    if (batch.length === 0) return;
    await this.opts.onRecords(batch);
    this.stats.records += batch.length;
    this.save({ dev: cur.dev, ino: cur.ino, offset: (batch[batch.length - 1] as TailRecord).end });
  }

  private save(pos: TailPosition): void {
    this.resume = pos;
    this.opts.offsets?.save(pos);
  }
}

function statOrNull(path: string): Stats | null {
  try {
    return statSync(path);
  } catch {
    return null;
  }
}

const COMPRESSED = /\.(gz|bz2|xz|zst|lz4|zip)$/;

/**
 * Rotated files (same directory, name starting with the log's) written after `done`, oldest first by
 * modification time, leaving out `done` itself and the live file: what rotated away while Medic was down, or
 * between two looks at a busy log.
 */
function rotatedAfter(path: string, done: string, live: Stats | null): { dev: number; ino: number }[] {
  const doneSt = statOrNull(done);
  if (!doneSt) return [];
  const dir = dirname(path);
  const base = basename(path);
  const out: { dev: number; ino: number; mtime: number; name: string }[] = [];
  try {
    for (const name of readdirSync(dir)) {
      if (!name.startsWith(base) || COMPRESSED.test(name)) continue;
      const full = join(dir, name);
      if (full === path) continue;
      const st = statOrNull(full);
      if (!st?.isFile() || (st.ino === doneSt.ino && st.dev === doneSt.dev)) continue;
      if (live && st.ino === live.ino && st.dev === live.dev) continue;
      if (st.mtimeMs < doneSt.mtimeMs) continue;
      out.push({ dev: st.dev, ino: st.ino, mtime: st.mtimeMs, name });
    }
  } catch {
    return [];
  }
  out.sort((a, b) => a.mtime - b.mtime || a.name.localeCompare(b.name));
  return out.map(({ dev, ino }) => ({ dev, ino }));
}

/** The file in the log's directory that has the saved inode: where logrotate renamed it. */
function findByInode(path: string, pos: TailPosition): string | null {
  const dir = dirname(path);
  const base = basename(path);
  try {
    for (const name of readdirSync(dir)) {
      if (!name.startsWith(base)) continue;
      const full = join(dir, name);
      const st = statOrNull(full);
      if (st && st.ino === pos.ino && st.dev === pos.dev) return full;
    }
  } catch {
    return null;
  }
  return null;
}
