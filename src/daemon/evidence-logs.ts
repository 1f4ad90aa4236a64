import type { MedicConfig } from '../config/index.js';
import { type EvidenceBundle, isErrorLine } from '../diagnose/index.js';
import type { ProcessLine } from '../sources/index.js';
import type { Store } from '../store/index.js';

type Line = NonNullable<EvidenceBundle['logs']>[number];

/** How far before the window the usual rate of each source is read. */
export const BASELINE_MS = 30 * 60_000;
/** Lines kept in the bundle: the newest of the window. */
const MAX_LINES = 300;
const PROCESS_STREAMS = new Set(['stdout', 'stderr']);

/**
 * The service's log lines from `since` on, each with its own stamp, source and category, and each source's
 * error lines in the BASELINE_MS before `since`. Stored lines (files, Docker, push, and stdout/stderr when the
 * service's `logs.stdout` mines them) come from the store; the supervised process's lines from the
 * supervisor's ring when they are not stored, or not yet (the pipeline writes in batches).
 */
export async function logEvidence(
  store: Store,
  service: string,
  svc: MedicConfig['services'][string] | undefined,
  ring: readonly ProcessLine[],
  since: number,
  now: number,
  trouble: readonly { from: number; to: number }[] = [],
): Promise<Pick<EvidenceBundle, 'logs' | 'logBaseline' | 'logsSince'>> {
  // The usual rate is read outside the service's earlier incidents: their errors were trouble, not usual.
  const quiet = quietSpans(since - BASELINE_MS, since, trouble);
  const quietMs = quiet.reduce((n, q) => n + (q.to - q.from), 0);
  const logs: Line[] = [];
  const baseline = new Map<string, { source: string; from: number; to: number; errors: number }>();
  let processStored = false;
  if (svc?.logs) {
    processStored = svc.logs.stdout;
    const [{ items: templates }, stored, ...spans] = await Promise.all([
      store.listLogTemplates({ service, merged: true }),
      store.logLines({ service, since, limit: MAX_LINES }),
      ...quiet.map((q) => store.logLineCounts(service, q.from, q.to)),
    ]);
    const category = new Map(templates.map((t) => [t.templateId, t.category]));
    for (const l of stored) {
      logs.push({ at: l.at, line: l.text, category: category.get(l.templateId) ?? null, source: l.source });
    }
    // The quiet spans' time laid end to end, ending where the window starts.
    const span = { from: since - quietMs, to: since };
    for (const counts of spans) {
      for (const c of counts.counts) {
        const b = baseline.get(c.source) ?? { source: c.source, ...span, errors: 0 };
        if (category.get(c.templateId)) b.errors += c.lines;
        baseline.set(c.source, b);
      }
    }
    // A source with no line before the window has a usual rate of zero, if the store was keeping lines.
    for (const l of stored) {
      if (!baseline.has(l.source)) baseline.set(l.source, { source: l.source, ...span, errors: 0 });
    }
  }
  // The process's lines the store does not have yet: all of them when stdout is not mined, else those newer
  // than the newest stored one.
  const storedUpTo = Math.max(
    Number.NEGATIVE_INFINITY,
    ...logs.filter((l) => PROCESS_STREAMS.has(l.source ?? '')).map((l) => l.at),
  );
  for (const l of ring) {
    if (l.at < since || (processStored && l.at <= storedUpTo)) continue;
    logs.push({ at: l.at, line: l.line, category: null, source: l.stream, pid: l.pid });
  }
  if (!processStored) {
    // The ring's older lines are what is known of the process's usual rate.
    for (const stream of ['stdout', 'stderr'] as const) {
      const before = ring.filter(
        (l) => l.stream === stream && quiet.some((q) => l.at >= q.from && l.at < q.to),
      );
      if (!logs.some((l) => l.source === stream)) continue;
      // The ring holds the newest lines only: the usual rate is over the quiet time since its oldest.
      const first = before[0]?.at ?? since;
      const held = quiet.reduce((n, q) => n + Math.max(0, q.to - Math.max(q.from, first)), 0);
      const errors = before.filter((l) => isErrorLine({ line: l.line })).length;
      baseline.set(stream, { source: stream, from: since - held, to: since, errors });
    }
  }
  logs.sort((a, b) => a.at - b.at);
  return {
    logs: logs.filter((l) => l.at <= now + 1000).slice(-MAX_LINES),
    logsSince: since,
    logBaseline: [...baseline.values()],
  };
}

/** At most this many quiet spans are read (the newest): each is one query of the store. */
const MAX_SPANS = 20;

/** The parts of [from, to) outside every trouble window, newest MAX_SPANS of them, oldest first. */
export function quietSpans(
  from: number,
  to: number,
  trouble: readonly { from: number; to: number }[],
): { from: number; to: number }[] {
  const out: { from: number; to: number }[] = [];
  let at = from;
  for (const w of [...trouble].sort((a, b) => a.from - b.from)) {
    if (w.to <= at) continue;
    if (w.from >= to) break;
    if (w.from > at) out.push({ from: at, to: w.from });
    at = Math.max(at, w.to);
  }
  if (at < to) out.push({ from: at, to });
  return out.slice(-MAX_SPANS);
}
