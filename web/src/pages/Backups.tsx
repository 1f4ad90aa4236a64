import { useState } from 'react';
import { ago, api, errorText } from '../api.js';
import { Guarded } from '../components/Guarded.js';
import { useLoad } from '../hooks.js';

interface Backup {
  id: string;
  actionId: string | null;
  incidentId: string | null;
  path: string;
  exists: boolean;
  size: number;
  hash: string | null;
  createdAt: number;
}

/** A backup; an operator restores it byte for byte with one click (the current content is backed up first). */
function BackupRow({ backup: b, onDone }: { backup: Backup; onDone(): void }) {
  const [busy, setBusy] = useState(false);
  const [message, setMessage] = useState<string | null>(null);
  const rollback = async () => {
    if (!window.confirm(`Restore ${b.path} as it was ${ago(b.createdAt)}?`)) return;
    setBusy(true);
    setMessage(null);
    try {
      await api(`/api/backups/${encodeURIComponent(b.id)}/rollback`, { method: 'POST', body: {} });
      setMessage('restored');
      onDone();
    } catch (err) {
      setMessage(errorText(err));
    } finally {
      setBusy(false);
    }
  };
  return (
    <li className="action" data-testid="backup-row" data-id={b.id}>
      <span className="mono">{b.path}</span>
      <small>
        {b.exists ? `${b.size} bytes · ${b.hash?.slice(0, 12)}` : 'did not exist'} · {ago(b.createdAt)}
      </small>
      {b.incidentId && <a href={`#/incidents/${b.incidentId}`}>incident</a>}
      <span className="buttons">
        <Guarded need="operator" disabled={busy} onClick={() => void rollback()}>
          Roll back
        </Guarded>
      </span>
      {message && (
        <span className={message === 'restored' ? 'muted' : 'error'} data-testid="backup-message">
          {message}
        </span>
      )}
    </li>
  );
}

export function Backups() {
  const list = useLoad(() => api<{ items: Backup[] }>('/api/backups?limit=100'), [], ['action']);
  return (
    <section>
      <h2>Backups</h2>
      <p className="muted">Files Medic saved before changing them, newest first.</p>
      {list.error && <p className="error">{list.error}</p>}
      {list.data?.items.length === 0 && <p className="muted">No backups yet.</p>}
      <ul className="list" data-testid="backups">
        {list.data?.items.map((b) => (
          <BackupRow key={b.id} backup={b} onDone={list.reload} />
        ))}
      </ul>
    </section>
  );
}
