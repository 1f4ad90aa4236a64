import type pg from 'pg';
import { postgresTerminateStep } from '../../config/index.js';
import { ActionError, errorMessage, formatDuration } from '../../core/index.js';
import type { ActionContext, ActionPlan, RemediationAction } from './action.js';
import { type ExtendedStep, parseStep } from './steps.js';
import { abortable } from './util.js';

/** One session the step matched, as it is journaled and reported. */
export interface SessionRow {
  pid: number;
  user: string | null;
  application: string;
  client: string | null;
  backend: string;
  state: string;
  age_s: number;
  superuser: boolean;
}

const STATES = {
  idle_in_transaction: ['idle in transaction', 'idle in transaction (aborted)'],
  active: ['active'],
} as const;

/**
 * The sessions in the state for at least the age, oldest first; never our own. Idle ones are timed from
 * their last statement (state_change), running ones from the query's start.
 */
const MATCH_SQL = `
SELECT a.pid, a.usename AS user, a.application_name AS application, a.client_addr::text AS client,
  a.backend_type AS backend, a.state,
  extract(epoch FROM clock_timestamp() - CASE WHEN a.state = 'active' THEN a.query_start ELSE a.state_change END)::float8 AS age_s,
  coalesce(r.rolsuper, false) AS superuser
FROM pg_stat_activity a LEFT JOIN pg_roles r ON r.oid = a.usesysid
WHERE a.pid <> pg_backend_pid()
  AND a.state = ANY($1::text[])
  AND a.backend_type IN ('client backend', 'walsender')
  AND clock_timestamp() - CASE WHEN a.state = 'active' THEN a.query_start ELSE a.state_change END >= make_interval(secs => $2)
  AND ($3::text IS NULL OR a.application_name = $3)
  AND ($4::text IS NULL OR a.usename = $4)
ORDER BY age_s DESC`;

const TERMINATE_SQL = 'SELECT pid, pg_terminate_backend(pid) AS done FROM unnest($1::int[]) AS pid';

let pgModule: Promise<typeof pg> | undefined;
/** pg loads when the step first runs, not with the daemon (most configs have no such step). */
function loadPg(): Promise<typeof pg> {
  pgModule ??= import('pg').then((m) => m.default);
  return pgModule;
}

/** The URL without its password: the plan is journaled and served. */
export function withoutPassword(url: string): string {
  try {
    const u = new URL(url);
    if (u.password) u.password = '';
    return u.toString();
  } catch {
    throw new ActionError('postgres_terminate: url is not a valid URL');
  }
}

/** What the step asks for, from the journaled params (the same whichever way the plan was rebuilt). */
interface Filter {
  states: readonly string[];
  olderThanMs: number;
  application: string | null;
  user: string | null;
  superusers: boolean;
  replication: boolean;
  limit: number;
}

function filterOf(plan: ActionPlan): Filter {
  const p = plan.params;
  const state = p['state'] === 'active' ? 'active' : 'idle_in_transaction';
  return {
    states: STATES[state],
    olderThanMs: Number(p['olderThanMs']),
    application: typeof p['applicationName'] === 'string' ? p['applicationName'] : null,
    user: typeof p['user'] === 'string' ? p['user'] : null,
    superusers: p['includeSuperusers'] === true,
    replication: p['includeReplication'] === true,
    limit: Number(p['limit'] ?? 1000),
  };
}

/** Splits the matched sessions into those the step may end and those it leaves alone (with why). */
export function choose(rows: readonly SessionRow[], f: Filter): { end: SessionRow[]; spared: string[] } {
  const end: SessionRow[] = [];
  const spared = { superuser: 0, replication: 0, limit: 0 };
  for (const r of rows) {
    if (r.superuser && !f.superusers) spared.superuser++;
    else if (r.backend === 'walsender' && !f.replication) spared.replication++;
    else if (end.length >= f.limit) spared.limit++;
    else end.push(r);
  }
  const spared_: string[] = [];
  if (spared.superuser) spared_.push(`${spared.superuser} of superusers (include_superusers: false)`);
  if (spared.replication) spared_.push(`${spared.replication} replication (include_replication: false)`);
  if (spared.limit) spared_.push(`${spared.limit} past the limit of ${f.limit}`);
  return { end, spared: spared_ };
}

const describeSession = (r: SessionRow) =>
  `${r.pid} (${r.user ?? '?'}${r.application ? `, ${r.application}` : ''}, ${r.state} ${formatDuration(Math.round(r.age_s * 1000))})`;

/** The sessions listed by pid, at most `max` of them, then how many more. */
function list(rows: readonly SessionRow[], max = 20): string {
  const shown = rows.slice(0, max).map(describeSession).join(', ');
  return rows.length > max ? `${shown} and ${rows.length - max} more` : shown;
}

async function connect(ctx: ActionContext<ExtendedStep>, plan: ActionPlan): Promise<pg.Client> {
  const { Client } = await loadPg();
  // The configured URL (it may hold the password the journaled one lacks).
  const url = ctx.step.postgres_terminate?.url ?? String(plan.params['url']);
  const client = new Client({
    connectionString: url,
    connectionTimeoutMillis: 5_000,
    statement_timeout: 10_000,
    application_name: 'medic-heal',
  });
  client.on('error', () => {}); // a connection lost after the answer is not the step's concern
  try {
    await abortable(client.connect(), ctx.signal);
  } catch (err) {
    void client.end().catch(() => {});
    throw new ActionError(`cannot connect to ${plan.params['url']}: ${errorMessage(err)}`);
  }
  return client;
}

async function matching(client: pg.Client, f: Filter, signal: AbortSignal): Promise<SessionRow[]> {
  const res = await abortable(
    client.query<SessionRow>(MATCH_SQL, [f.states, f.olderThanMs / 1000, f.application, f.user]),
    signal,
  );
  return res.rows;
}

/**
 * Terminates sessions of a PostgreSQL server stuck idle in a transaction (or running one query) for longer
 * than a limit: they hold connections and locks the applications need. SQL over `pg` with parameters, no
 * command line. Its result names every session it ended; what it spared (superusers, replication) is said
 * too. Terminated sessions cannot come back: the step has no rollback, and its snapshot (journaled before it
 * acts) lists the sessions it was about to end.
 */
export const postgresTerminateAction: RemediationAction<ExtendedStep> = {
  kind: 'postgres-terminate',
  plan(step, service) {
    const s = parseStep(postgresTerminateStep, step.postgres_terminate, 'postgres_terminate');
    const url = withoutPassword(s.url);
    const what = s.state === 'active' ? 'running a query' : 'idle in transaction';
    const only = [
      s.application_name ? `application_name ${s.application_name}` : null,
      s.user ? `user ${s.user}` : null,
    ].filter(Boolean);
    return {
      kind: 'postgres-terminate',
      target: service,
      params: {
        url,
        state: s.state,
        olderThanMs: s.older_than,
        applicationName: s.application_name ?? null,
        user: s.user ?? null,
        includeSuperusers: s.include_superusers,
        includeReplication: s.include_replication,
        limit: s.limit,
      },
      description: `terminate sessions ${what} for ${formatDuration(s.older_than)} or more on ${url}${only.length ? ` (${only.join(', ')})` : ''}`,
    };
  },
  async snapshot(plan, ctx) {
    const client = await connect(ctx, plan);
    try {
      const { end, spared } = choose(await matching(client, filterOf(plan), ctx.signal), filterOf(plan));
      return { sessions: end.map((r) => ({ ...r, age_s: Math.round(r.age_s * 10) / 10 })), spared };
    } finally {
      void client.end().catch(() => {});
    }
  },
  async apply(plan, ctx) {
    const f = filterOf(plan);
    const client = await connect(ctx, plan);
    try {
      // Matched again now: a session that committed since the snapshot is no longer stuck.
      const { end, spared } = choose(await matching(client, f, ctx.signal), f);
      const tail = spared.length ? `; left alone: ${spared.join(', ')}` : '';
      // Nothing stuck (any more): the step cannot heal what it is for, and says so rather than pass.
      if (end.length === 0) throw new ActionError(`no session to terminate${tail}`);
      const res = await abortable(
        client.query<{ pid: number; done: boolean }>(TERMINATE_SQL, [end.map((r) => r.pid)]),
        ctx.signal,
      );
      const done = new Set(res.rows.filter((r) => r.done).map((r) => r.pid));
      const ended = end.filter((r) => done.has(r.pid));
      const gone = end.length - ended.length;
      if (ended.length === 0 && gone > 0) {
        throw new ActionError(
          `pg_terminate_backend ended none of ${end.length} sessions (gone already, or not allowed)${tail}`,
        );
      }
      return `terminated ${ended.length} session${ended.length === 1 ? '' : 's'}: ${list(ended)}${gone ? `; ${gone} gone before` : ''}${tail}`;
    } catch (err) {
      if (err instanceof ActionError) throw err;
      throw new ActionError(`postgres_terminate failed: ${errorMessage(err)}`);
    } finally {
      void client.end().catch(() => {});
    }
  },
};
