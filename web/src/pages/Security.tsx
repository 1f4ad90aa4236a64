import { useState } from 'react';
import { ago, api, errorText } from '../api.js';
import { Guarded } from '../components/Guarded.js';
import { useLoad } from '../hooks.js';

interface Ban {
  set: string;
  address: string;
  port: number | null;
  timeout: number | null;
  expires: number | null;
}

interface BanPlace {
  netns: string | null;
  services: string[];
  bans: Ban[];
  error: string | null;
}

interface SecurityFinding {
  id: string;
  service: string;
  check: string;
  kind: string;
  severity: string;
  summary: string;
  evidence: Record<string, unknown>;
  at: number;
}

const placeName = (netns: string | null) =>
  netns === null ? "the host's firewall" : `network namespace ${netns}`;

/** Seconds as the kernel counts them, in the largest unit that reads well. */
function left(s: number | null): string {
  if (s === null) return '?';
  if (s < 120) return `${s} s`;
  if (s < 7200) return `${Math.round(s / 60)} min`;
  return `${Math.round(s / 3600)} h`;
}

/** One address's bans in one place (every port, or some); an operator lifts them all at once. */
function BanRow({
  place,
  address,
  bans,
  onDone,
}: {
  place: BanPlace;
  address: string;
  bans: Ban[];
  onDone(): void;
}) {
  const [busy, setBusy] = useState(false);
  const [message, setMessage] = useState<string | null>(null);
  const unblock = async () => {
    if (!window.confirm(`Lift the ban of ${address} in ${placeName(place.netns)}?`)) return;
    setBusy(true);
    setMessage(null);
    try {
      const r = await api<{ lifted: boolean }>('/api/security/bans/unblock', {
        method: 'POST',
        body: { address, netns: place.netns },
      });
      setMessage(r.lifted ? 'lifted' : 'was not banned any more');
      onDone();
    } catch (err) {
      setMessage(errorText(err));
    } finally {
      setBusy(false);
    }
  };
  const ports = bans.map((b) => b.port).filter((p): p is number => p !== null);
  const remaining = Math.max(...bans.map((b) => b.expires ?? 0));
  const length = Math.max(...bans.map((b) => b.timeout ?? 0));
  return (
    <li className="action" data-testid="ban-row" data-address={address}>
      <span className="mono">{address}</span>
      <small>
        {ports.length > 0 ? `TCP ${ports.join(', ')}` : 'every port'} · {left(remaining)} left of{' '}
        {left(length)}
      </small>
      <span className="buttons">
        <Guarded need="operator" disabled={busy} onClick={() => void unblock()}>
          Unblock
        </Guarded>
      </span>
      {message && (
        <span className={message === 'lifted' ? 'muted' : 'error'} data-testid="ban-message">
          {message}
        </span>
      )}
    </li>
  );
}

function Bans() {
  const list = useLoad(() => api<{ places: BanPlace[] }>('/api/security/bans'), [], ['action']);
  const places = list.data?.places ?? [];
  return (
    <section data-testid="bans">
      <h3>Bans</h3>
      <p className="muted">
        What the kernel holds now. Each ban ends by itself at its timeout, whether Medic runs or not.{' '}
        <button type="button" className="link" onClick={list.reload}>
          refresh
        </button>
      </p>
      {list.error && <p className="error">{list.error}</p>}
      {list.data && places.length === 0 && <p className="muted">No playbook of this config bans.</p>}
      {places.map((p) => {
        const byAddress = new Map<string, Ban[]>();
        for (const b of p.bans) byAddress.set(b.address, [...(byAddress.get(b.address) ?? []), b]);
        return (
          <div key={p.netns ?? ''} data-testid="ban-place" data-netns={p.netns ?? ''}>
            <h4>
              {placeName(p.netns)} <small className="muted">({p.services.join(', ')})</small>
            </h4>
            {p.error && <p className="error">{p.error}</p>}
            {!p.error && byAddress.size === 0 && <p className="muted">Nobody is banned.</p>}
            <ul className="list">
              {[...byAddress].map(([address, bans]) => (
                <BanRow key={address} place={p} address={address} bans={bans} onDone={list.reload} />
              ))}
            </ul>
          </div>
        );
      })}
    </section>
  );
}

function Findings({
  title,
  items,
  empty,
  id,
}: {
  title: string;
  items: SecurityFinding[];
  empty: string;
  id: string;
}) {
  return (
    <section data-testid={id}>
      <h3>{title}</h3>
      {items.length === 0 && <p className="muted">{empty}</p>}
      <ul className="list">
        {items.map((f) => {
          const diff = typeof f.evidence['diff'] === 'string' ? f.evidence['diff'] : null;
          return (
            <li key={f.id} className="action" data-testid={`${id}-row`}>
              <span className={`badge ${f.severity}`}>{f.severity}</span>
              <span>{f.summary}</span>
              <small>
                {f.service} · {ago(f.at)}
              </small>
              {diff && (
                <details>
                  <summary>diff</summary>
                  <pre className="mono">{diff}</pre>
                </details>
              )}
            </li>
          );
        })}
      </ul>
    </section>
  );
}

/** Bans (with unblock), vulnerable dependencies and configuration drift, on one page. */
export function Security() {
  const found = useLoad(
    () =>
      api<{ abuse: SecurityFinding[]; advisories: SecurityFinding[]; drift: SecurityFinding[] }>(
        '/api/security/findings?limit=50',
      ),
    [],
    ['finding'],
  );
  return (
    <section>
      <h2>Security</h2>
      <Bans />
      {found.error && <p className="error">{found.error}</p>}
      <Findings
        id="abuse"
        title="Abuse"
        items={found.data?.abuse ?? []}
        empty="No address has failed too often."
      />
      <Findings
        id="advisories"
        title="Vulnerable dependencies"
        items={found.data?.advisories ?? []}
        empty="No advisory matches a locked version."
      />
      <Findings
        id="drift"
        title="Configuration drift"
        items={found.data?.drift ?? []}
        empty="Every watched file is as intended."
      />
    </section>
  );
}
