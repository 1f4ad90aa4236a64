import { type Action, ago, api, type JournalEntry, type Page, query, time } from '../api.js';
import { Guarded, Outcome, useDoing } from '../components/Guarded.js';
import { useLoad } from '../hooks.js';

/** One action; with approve and reject buttons (operator) while it waits for a human. */
export function ActionRow({ action: a, onDone }: { action: Action; onDone(): void }) {
  const doing = useDoing();
  const decide = (verb: 'approve' | 'reject') =>
    void doing.run(async () => {
      await api(`/api/actions/${encodeURIComponent(a.id)}/${verb}`, { method: 'POST', body: {} });
      onDone();
      return verb === 'approve' ? 'approved: running' : 'rejected';
    });
  return (
    <li className="action" data-testid="action-row" data-state={a.state} data-id={a.id}>
      <span className={`badge ${a.state}`}>{a.state.replace('_', ' ')}</span>
      <span>
        <b>{a.service}</b> · {a.playbook} step {a.step + 1} ({a.kind}){a.dryRun ? ' · dry run' : ''}
      </span>
      <small>{ago(a.updatedAt)}</small>
      {a.incidentId && <a href={`#/incidents/${a.incidentId}`}>incident</a>}
      {a.state === 'awaiting_approval' && (
        <span className="buttons">
          <Guarded
            need="operator"
            className="primary"
            disabled={doing.busy}
            onClick={() => decide('approve')}
          >
            Approve
          </Guarded>
          <Guarded need="operator" disabled={doing.busy} onClick={() => decide('reject')}>
            Reject
          </Guarded>
        </span>
      )}
      <Outcome doing={doing} testId="action" />
    </li>
  );
}

/**
 * The heal a notification asked about (`#/actions?approve=ID`, or `#/actions/ID`): what it is, where it
 * stands, and its approve and reject buttons while it still waits.
 */
function Asked({ id, onDone }: { id: string; onDone(): void }) {
  const one = useLoad(
    () => api<{ action: Action; journal: JournalEntry[] }>(`/api/actions/${encodeURIComponent(id)}`),
    [id],
    ['action'],
  );
  const done = () => {
    one.reload();
    onDone();
  };
  const a = one.data?.action;
  return (
    <section className="card asked" data-testid="asked" data-state={a?.state ?? ''}>
      <h2>Heal {id}</h2>
      {one.error && (
        <p className="error" role="alert">
          {one.error}
        </p>
      )}
      {a && (
        <>
          <p>
            {a.state === 'awaiting_approval'
              ? `Medic asks to run ${a.playbook} on ${a.service}, planned ${time(a.createdAt)}.`
              : `This heal no longer waits for a decision: it is ${a.state.replace('_', ' ')}.`}
          </p>
          <ul className="list">
            <ActionRow action={a} onDone={done} />
          </ul>
          {one.data && one.data.journal.length > 0 && (
            <ol className="journal">
              {one.data.journal.map((j) => (
                <li key={j.id}>
                  <small>{time(j.at)}</small> <b>{j.state.replace('_', ' ')}</b> {j.message}
                </li>
              ))}
            </ol>
          )}
        </>
      )}
    </section>
  );
}

export function Actions({ asked }: { asked?: string | null }) {
  const waiting = useLoad(
    () => api<Page<Action>>(`/api/actions${query({ state: 'awaiting_approval', limit: 100 })}`),
    [],
    ['action'],
  );
  const recent = useLoad(() => api<Page<Action>>(`/api/actions${query({ limit: 50 })}`), [], ['action']);
  const reload = () => {
    waiting.reload();
    recent.reload();
  };
  return (
    <section>
      {asked && <Asked id={asked} onDone={reload} />}
      <h2>Waiting for approval</h2>
      {waiting.error && <p className="error">{waiting.error}</p>}
      {waiting.data?.items.length === 0 && <p className="muted">Nothing waits for you.</p>}
      <ul className="list" data-testid="waiting">
        {waiting.data?.items.map((a) => (
          <ActionRow key={a.id} action={a} onDone={reload} />
        ))}
      </ul>
      <h2>Recent actions</h2>
      {recent.error && <p className="error">{recent.error}</p>}
      <ul className="list" data-testid="recent-actions">
        {recent.data?.items.map((a) => (
          <ActionRow key={a.id} action={a} onDone={reload} />
        ))}
      </ul>
    </section>
  );
}
