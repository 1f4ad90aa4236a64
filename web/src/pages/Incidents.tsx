import {
  type Action,
  ago,
  api,
  type Finding,
  type Incident,
  type Page,
  query,
  type TimelineEntry,
  time,
} from '../api.js';
import { useLoad } from '../hooks.js';
import { ActionRow } from './Actions.js';

const STATES = [
  'active',
  'open',
  'diagnosing',
  'remediating',
  'verifying',
  'resolved',
  'escalated',
  'suppressed',
];
const PAGE = 50;

function setParams(next: Record<string, string | number | undefined>): void {
  const q = query(next);
  location.hash = `#/incidents${q}`;
}

/** The incident list: filters and pages are done by the server, so 10,000 incidents cost one page. */
export function Incidents({ params }: { params: URLSearchParams }) {
  const state = params.get('state') ?? '';
  const service = params.get('service') ?? '';
  const offset = Number(params.get('offset') ?? 0) || 0;
  const page = useLoad(
    () => api<Page<Incident>>(`/api/incidents${query({ state, service, limit: PAGE, offset })}`),
    [state, service, offset],
    ['incident'],
  );
  const total = page.data?.total ?? 0;
  return (
    <section>
      <form
        className="filters"
        onSubmit={(e) => {
          e.preventDefault();
          const f = new FormData(e.currentTarget);
          setParams({ state: String(f.get('state') ?? ''), service: String(f.get('service') ?? '') });
        }}
      >
        <label>
          state
          <select
            name="state"
            defaultValue={state}
            onChange={(e) => setParams({ state: e.target.value, service })}
            data-testid="state-filter"
          >
            <option value="">any</option>
            {STATES.map((s) => (
              <option key={s}>{s}</option>
            ))}
          </select>
        </label>
        <label>
          service
          <input name="service" defaultValue={service} placeholder="any" />
        </label>
        <button type="submit">Filter</button>
      </form>
      {page.error && <p className="error">{page.error}</p>}
      <table className="grid" data-testid="incidents">
        <thead>
          <tr>
            <th>state</th>
            <th>incident</th>
            <th>service</th>
            <th>opened</th>
            <th>resolved</th>
          </tr>
        </thead>
        <tbody>
          {page.data?.items.map((i) => (
            <tr key={i.id} data-testid="incident-row" data-state={i.state}>
              <td>
                <span className={`badge ${i.state}`}>{i.state}</span>
              </td>
              <td>
                <a href={`#/incidents/${i.id}`}>{i.title}</a>
                {i.rootCause && <small> · {i.rootCause}</small>}
              </td>
              <td>{i.service}</td>
              <td title={time(i.openedAt)}>{ago(i.openedAt)}</td>
              <td>{i.resolvedAt ? ago(i.resolvedAt) : '–'}</td>
            </tr>
          ))}
        </tbody>
      </table>
      {page.data && page.data.items.length === 0 && <p className="muted">No incidents.</p>}
      <nav className="pager">
        <button
          type="button"
          disabled={offset === 0}
          onClick={() => setParams({ state, service, offset: Math.max(0, offset - PAGE) })}
        >
          ← newer
        </button>
        <span>{total ? `${offset + 1}–${Math.min(offset + PAGE, total)} of ${total}` : ''}</span>
        <button
          type="button"
          disabled={!page.data?.hasMore}
          onClick={() => setParams({ state, service, offset: offset + PAGE })}
        >
          older →
        </button>
      </nav>
    </section>
  );
}

interface IncidentView {
  incident: Incident;
  timeline: TimelineEntry[];
  findings: Finding[];
  actions: Action[];
}

/** One incident: its timeline of findings, diagnosis, actions and verification, in order. */
export function IncidentDetail({ id }: { id: string }) {
  const view = useLoad(
    () => api<IncidentView>(`/api/incidents/${encodeURIComponent(id)}`),
    [id],
    ['incident', 'action', 'finding'],
  );
  if (view.error) return <p className="error">{view.error}</p>;
  if (!view.data) return <p className="muted">Loading…</p>;
  const { incident: i, timeline, actions } = view.data;
  return (
    <section>
      <p>
        <a href="#/incidents">← incidents</a>
      </p>
      <h2>
        <span className={`badge ${i.state}`} data-testid="incident-state">
          {i.state}
        </span>{' '}
        {i.title}
      </h2>
      <p className="muted">
        {i.service} · {i.severity} · opened {time(i.openedAt)}
        {i.resolvedAt ? ` · resolved ${time(i.resolvedAt)}` : ''}
        {i.rootCause ? ` · root cause ${i.rootCause}` : ''} ·{' '}
        <a href={`#/controls?service=${encodeURIComponent(i.service)}`}>reset or run a playbook</a>
      </p>
      <h3>Timeline</h3>
      <ol className="timeline" data-testid="timeline">
        {timeline.map((t) => (
          <li key={t.id} className={t.kind}>
            <time title={time(t.at)}>{new Date(t.at).toLocaleTimeString()}</time>
            <span className="kind">{t.kind === 'transition' ? `→ ${t.state}` : t.kind}</span>
            <span>{t.message}</span>
          </li>
        ))}
      </ol>
      {actions.length > 0 && (
        <>
          <h3>Actions</h3>
          <ul className="list">
            {actions.map((a) => (
              <ActionRow key={a.id} action={a} onDone={view.reload} />
            ))}
          </ul>
        </>
      )}
    </section>
  );
}
