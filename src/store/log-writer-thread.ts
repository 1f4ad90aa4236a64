import { readFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { dirname, join } from 'node:path';
import { pathToFileURL } from 'node:url';
import { Worker } from 'node:worker_threads';
import type { Reply, Request } from './log-writer-worker.js';

/** A request before its id is given. */
export type RequestBody = Request extends infer R ? (R extends unknown ? Omit<R, 'id'> : never) : never;

/**
 * The process's log writer thread (log-writer-worker.ts): one for every SQLite store of the process, each
 * store its own connection in it. Started on first use; held (ref) only while a request waits for its answer,
 * so it never keeps a process alive. A thread that fails (cannot start, dies) fails what waits on it and is
 * not started again: the stores write on their own connections from then on.
 */
export class WriterThread {
  private worker: Worker | null = null;
  private nextId = 1;
  private readonly pending = new Map<number, { resolve(r: Reply): void; reject(err: Error): void }>();
  private readonly failures: ((err: Error) => void)[] = [];
  private failure: Error | null = null;
  /** Resolves true once the thread said it is ready, false if it failed first. */
  readonly ready: Promise<boolean>;
  private settleReady: (ok: boolean) => void = () => {};

  constructor() {
    this.ready = new Promise<boolean>((resolve) => {
      this.settleReady = resolve;
    });
    try {
      this.worker = startWorker();
    } catch (err) {
      this.fail(err instanceof Error ? err : new Error(String(err)));
      return;
    }
    const w = this.worker;
    w.on('message', (r: Reply) => {
      if (r.ready) {
        this.settleReady(true);
        return;
      }
      const p = this.pending.get(r.id);
      this.pending.delete(r.id);
      if (this.pending.size === 0) w.unref();
      p?.resolve(r);
    });
    w.on('error', (err) => this.fail(err));
    w.on('exit', (code) => this.fail(new Error(`log writer thread exited (${code})`)));
  }

  /** Why the thread is gone (null while it runs). */
  get failed(): Error | null {
    return this.failure;
  }

  /** Called once if the thread fails. */
  onFailure(f: (err: Error) => void): void {
    if (this.failure) f(this.failure);
    else this.failures.push(f);
  }

  /** Sends a request (id assigned here) and resolves with its answer. */
  request(req: RequestBody): Promise<Reply> {
    const w = this.worker;
    if (!w || this.failure) return Promise.reject(this.failure ?? new Error('log writer thread not running'));
    const id = this.nextId++;
    const answer = new Promise<Reply>((resolve, reject) => this.pending.set(id, { resolve, reject }));
    // Held while a request waits: a process with nothing else to do must not exit before the answer.
    w.ref();
    w.postMessage({ ...req, id } as Request);
    return answer;
  }

  private fail(err: Error): void {
    if (this.failure) return;
    this.failure = err;
    this.settleReady(false);
    const w = this.worker;
    this.worker = null;
    if (w) void w.terminate();
    for (const p of this.pending.values()) p.reject(err);
    this.pending.clear();
    for (const f of this.failures.splice(0)) f(err);
  }
}

let thread: WriterThread | null = null;

/** The process's writer thread, started on first call. */
export function writerThread(): WriterThread {
  thread ??= new WriterThread();
  return thread;
}

/**
 * The thread, from the compiled .js beside this file; or, when running from the TypeScript source (tsx,
 * vitest), from the .ts through tsx's loader, registered in the thread first (Node 20 applies neither the
 * parent's loader nor an `--import` of it to a worker's entry module).
 */
function startWorker(): Worker {
  let w: Worker;
  if (import.meta.url.endsWith('.ts')) {
    const file = new URL('./log-writer-worker.ts', import.meta.url).href;
    const boot = `import(${JSON.stringify(tsxEsmApi())}).then((tsx) => { tsx.register(); return import(${JSON.stringify(file)}); });`;
    w = new Worker(boot, { eval: true });
  } else w = new Worker(new URL('./log-writer-worker.js', import.meta.url));
  w.unref();
  return w;
}

/** tsx's ESM API module (its `import` export: require.resolve would give the CommonJS one). */
function tsxEsmApi(): string {
  const pkg = createRequire(import.meta.url).resolve('tsx/package.json');
  const exported = (JSON.parse(readFileSync(pkg, 'utf8')) as { exports: Record<string, unknown> }).exports[
    './esm/api'
  ] as { import: { default: string } };
  return pathToFileURL(join(dirname(pkg), exported.import.default)).href;
}
