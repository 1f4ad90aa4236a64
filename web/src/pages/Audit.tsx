import { useState } from 'react';
import { type AuditEntry, api, errorText, query, time } from '../api.js';
import { Guarded } from '../components/Guarded.js';
import { useLoad } from '../hooks.js';

const PAGE = 100;

/** The hash-chained audit log, newest first, and a button that verifies the chain. */
export function Audit({ params }: { params: URLSearchParams }) {
  const offset = Number(params.get('offset') ?? 0) || 0;
  const page = useLoad(
    () => api<{ items: AuditEntry[]; hasMore: boolean }>(`/api/audit${query({ limit: PAGE, offset })}`),
    [offset],
    ['action', 'incident'],
  );
  const [verdict, setVerdict] = useState<string | null>(null);
  const verify = async () => {
    try {
      const v = await api<{ ok: boolean; entries: number; brokenAt: number | null }>('/api/audit/verify');
      setVerdict(v.ok ? `chain intact: ${v.entries} entries` : `BROKEN at entry ${v.brokenAt}`);
    } catch (err) {
      setVerdict(errorText(err));
    }
  };
  return (
    <section>
      <p>
        <Guarded need="operator" onClick={() => void verify()}>
          Verify the hash chain
        </Guarded>{' '}
        {verdict && <b data-testid="verdict">{verdict}</b>}
      </p>
      {page.error && <p className="error">{page.error}</p>}
      <table className="grid" data-testid="audit">
        <thead>
          <tr>
            <th>#</th>
            <th>when</th>
            <th>who</th>
            <th>event</th>
            <th>subject</th>
          </tr>
        </thead>
        <tbody>
          {page.data?.items.map((e) => (
            <tr key={e.seq}>
              <td>{e.seq}</td>
              <td>{time(e.at)}</td>
              <td>{e.actor}</td>
              <td>{e.event}</td>
              <td className="wrap">{e.subject}</td>
            </tr>
          ))}
        </tbody>
      </table>
      <nav className="pager">
        <a
          className={offset === 0 ? 'disabled' : ''}
          href={`#/audit${query({ offset: Math.max(0, offset - PAGE) })}`}
        >
          ← newer
        </a>
        <a
          className={page.data?.hasMore ? '' : 'disabled'}
          href={`#/audit${query({ offset: offset + PAGE })}`}
        >
          older →
        </a>
      </nav>
    </section>
  );
}
