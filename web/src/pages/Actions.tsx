import { useState } from 'react';
import { type Action, ago, api, type Page, query } from '../api.js';
import { useLoad } from '../hooks.js';

/** One action; with approve and reject buttons while it waits for a human. */
export function ActionRow({ action: a, onDone }: { action: Action; onDone(): void }) {
  const [busy, setBusy] = useState(false);
  const [error, setError] = useState<string | null>(null);
  const decide = async (verb: 'approve' | 'reject') => {
    setBusy(true);
    setError(null);
    try {
      await api(`/api/actions/${encodeURIComponent(a.id)}/${verb}`, { method: 'POST', body: {} });
      onDone();
    } catch (err) {
      setError(String((err as Error).message));
    } finally {
      setBusy(false);
    }
  };
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
          <button type="button" className="primary" disabled={busy} onClick={() => void decide('approve')}>
            Approve
          </button>
          <button type="button" disabled={busy} onClick={() => void decide('reject')}>
            Reject
          </button>
        </span>
      )}
      {error && <span className="error">{error}</span>}
    </li>
  );
}

export function Actions() {
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
      <h2>Waiting for approval</h2>
      {waiting.error && <p className="error">{waiting.error}</p>}
      {waiting.data?.items.length === 0 && <p className="muted">Nothing waits for you.</p>}
      <ul className="list" data-testid="waiting">
        {waiting.data?.items.map((a) => (
          <ActionRow key={a.id} action={a} onDone={reload} />
        ))}
      </ul>
      <h2>Recent actions</h2>
      <ul className="list" data-testid="recent-actions">
        {recent.data?.items.map((a) => (
          <ActionRow key={a.id} action={a} onDone={reload} />
        ))}
      </ul>
    </section>
  );
}
