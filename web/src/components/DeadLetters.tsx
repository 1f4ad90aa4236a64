import { useEffect } from 'react';
import { api } from '../api.js';
import { useLoad } from '../hooks.js';

interface Counts {
  pending: number;
  delivered: number;
  dead: number;
}

/**
 * Notifications given up on (the outbox's dead letters, as /metrics counts them): nobody got them, so the
 * overview says so, in red when there are any. A dead letter comes from retries running out, not from a live
 * event, so the count is also read again every 10 s.
 */
export function DeadLetters() {
  const counts = useLoad(() => api<Counts>('/api/notifications/counts'), [], ['incident', 'action']);
  const { reload } = counts;
  useEffect(() => {
    const t = setInterval(reload, 10_000);
    return () => clearInterval(t);
  }, [reload]);
  const dead = counts.data?.dead;
  return (
    <span
      className="stat"
      data-testid="dead-letters"
      title="GET /api/notifications?state=dead lists them; POST /api/notifications/ID/retry sends one again"
      style={dead ? { borderColor: 'var(--bad)', color: 'var(--bad)' } : undefined}
    >
      <b data-testid="dead-count">{dead ?? '…'}</b> undelivered notifications
    </span>
  );
}
