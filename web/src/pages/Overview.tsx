import { useEffect, useState } from 'react';
import {
  type Action,
  ago,
  api,
  type Incident,
  type Page,
  type ProbeRecord,
  query,
  type ServiceStatus,
} from '../api.js';
import { Sparkline } from '../components/Chart.js';
import { DeadLetters } from '../components/DeadLetters.js';
import { useLoad } from '../hooks.js';

type ServiceRow = ServiceStatus & { latest: ProbeRecord[] };

const COLOR: Record<string, string> = {
  healthy: 'var(--ok)',
  degraded: 'var(--warn)',
  down: 'var(--bad)',
  unknown: 'var(--muted)',
};

/** Latencies of a service's first check over the last 30 minutes, refreshed every 10 s. */
function useLatencies(services: ServiceRow[] | undefined): Record<string, number[]> {
  const [out, setOut] = useState<Record<string, number[]>>({});
  const key = (services ?? []).map((s) => `${s.name}/${s.checks[0]?.name ?? ''}`).join(',');
  // biome-ignore lint/correctness/useExhaustiveDependencies: keyed by the services' names and checks
  useEffect(() => {
    let stop = false;
    const load = async () => {
      const next: Record<string, number[]> = {};
      await Promise.all(
        (services ?? []).map(async (s) => {
          const check = s.checks[0]?.name;
          if (!check) return;
          const q = query({ since: Date.now() - 30 * 60_000, limit: 120 });
          const h = await api<{ items: ProbeRecord[] }>(
            `/api/services/${encodeURIComponent(s.name)}/checks/${encodeURIComponent(check)}/history${q}`,
          ).catch(() => ({ items: [] }));
          next[s.name] = h.items.map((p) => p.result.latencyMs);
        }),
      );
      if (!stop) setOut(next);
    };
    void load();
    const t = setInterval(load, 10_000);
    return () => {
      stop = true;
      clearInterval(t);
    };
  }, [key]);
  return out;
}

export function Overview() {
  const services = useLoad(() => api<{ items: ServiceRow[] }>('/api/services'), [], ['health', 'incident']);
  const active = useLoad(
    () => api<Page<Incident>>(`/api/incidents${query({ state: 'active', limit: 5 })}`),
    [],
    ['incident'],
  );
  const waiting = useLoad(
    () => api<Page<Action>>(`/api/actions${query({ state: 'awaiting_approval', limit: 1 })}`),
    [],
    ['action'],
  );
  const lat = useLatencies(services.data?.items);
  const [, tick] = useState(0);
  useEffect(() => {
    const t = setInterval(() => tick((n) => n + 1), 5000);
    return () => clearInterval(t);
  }, []);

  return (
    <section>
      <div className="summary">
        <a href="#/incidents?state=active" className="stat">
          <b data-testid="active-count">{active.data?.total ?? '…'}</b> active incidents
        </a>
        <a href="#/actions" className="stat">
          <b>{waiting.data?.total ?? '…'}</b> waiting for approval
        </a>
        <DeadLetters />
      </div>
      {services.error && <p className="error">{services.error}</p>}
      <div className="tiles">
        {services.data?.items.map((s) => {
          const last = s.latest.reduce<ProbeRecord | null>((a, p) => (!a || p.at > a.at ? p : a), null);
          return (
            <article key={s.name} className={`tile ${s.health}`} data-testid={`tile-${s.name}`}>
              <header>
                <h3>{s.name}</h3>
                <span className={`badge ${s.health}`} data-testid="health">
                  {s.health}
                </span>
              </header>
              <Sparkline values={lat[s.name] ?? []} color={COLOR[s.health] ?? 'var(--muted)'} />
              <dl>
                <dt>last check</dt>
                <dd>{last ? `${ago(last.at)} · ${Math.round(last.result.latencyMs)} ms` : 'none yet'}</dd>
                <dt>checks</dt>
                <dd>{s.checks.map((c) => `${c.name}: ${c.state}`).join(', ') || 'none'}</dd>
                {s.supervised && (
                  <>
                    <dt>pid</dt>
                    <dd>{s.pid ?? 'not running'}</dd>
                  </>
                )}
              </dl>
              <a href={`#/metrics?service=${encodeURIComponent(s.name)}`}>charts →</a>
            </article>
          );
        })}
      </div>
      {active.data && active.data.items.length > 0 && (
        <>
          <h2>Active incidents</h2>
          <ul className="list">
            {active.data.items.map((i) => (
              <li key={i.id}>
                <a href={`#/incidents/${i.id}`}>
                  <span className={`badge ${i.state}`}>{i.state}</span> {i.title}{' '}
                  <small>{ago(i.openedAt)}</small>
                </a>
              </li>
            ))}
          </ul>
        </>
      )}
    </section>
  );
}
