import { useMemo } from 'react';
import type uPlot from 'uplot';
import { api, type ProbeRecord, query, type ServiceStatus } from '../api.js';
import { Chart } from '../components/Chart.js';
import { useLoad } from '../hooks.js';

const RANGES: Record<string, number> = {
  '15m': 15 * 60_000,
  '1h': 3_600_000,
  '6h': 6 * 3_600_000,
  '24h': 86_400_000,
};

interface Stats {
  incidents: Record<string, number>;
  actions: Record<string, number>;
  timeToResolve: { sample: number; meanMs: number | null; p50Ms: number | null };
  outcomes: {
    cause: string;
    playbook: string;
    attempts: number;
    successes: number;
    successRate: number;
    meanHealMs: number | null;
    learnedConfidence: number;
  }[];
}

function go(next: Record<string, string>): void {
  location.hash = `#/metrics${query(next)}`;
}

/** Probe latency per check over time (uPlot), failed and degraded runs marked; and the learning statistics. */
export function Metrics({ params }: { params: URLSearchParams }) {
  const status = useLoad(() => api<{ services: ServiceStatus[] }>('/api/status'), []);
  const services = status.data?.services ?? [];
  const service = params.get('service') ?? services[0]?.name ?? '';
  const svc = services.find((s) => s.name === service);
  const check = params.get('check') ?? svc?.checks[0]?.name ?? '';
  const range = params.get('range') ?? '1h';
  const history = useLoad(
    async () => {
      if (!service || !check) return { items: [] as ProbeRecord[] };
      const q = query({ since: Date.now() - (RANGES[range] ?? 3_600_000), limit: 5000 });
      return api<{ items: ProbeRecord[] }>(
        `/api/services/${encodeURIComponent(service)}/checks/${encodeURIComponent(check)}/history${q}`,
      );
    },
    [service, check, range],
    ['health'],
  );
  const stats = useLoad(
    () => api<Stats>(`/api/stats${query({ service })}`),
    [service],
    ['incident', 'action'],
  );

  const data = useMemo<uPlot.AlignedData>(() => {
    const items = history.data?.items ?? [];
    const xs = items.map((p) => p.at / 1000);
    const ok = items.map((p) => (p.result.ok ? p.result.latencyMs : null));
    const degraded = items.map((p) => (!p.result.ok && p.result.degraded ? p.result.latencyMs : null));
    const failed = items.map((p) => (!p.result.ok && !p.result.degraded ? p.result.latencyMs : null));
    return [xs, ok, degraded, failed];
  }, [history.data]);

  const set = (k: string, v: string) => go({ service, check, range, [k]: v });
  return (
    <section>
      <form className="filters" onSubmit={(e) => e.preventDefault()}>
        <label>
          service
          <select value={service} onChange={(e) => go({ service: e.target.value, range })}>
            {services.map((s) => (
              <option key={s.name}>{s.name}</option>
            ))}
          </select>
        </label>
        <label>
          check
          <select value={check} onChange={(e) => set('check', e.target.value)}>
            {svc?.checks.map((c) => (
              <option key={c.name}>{c.name}</option>
            ))}
          </select>
        </label>
        <label>
          range
          <select value={range} onChange={(e) => set('range', e.target.value)}>
            {Object.keys(RANGES).map((r) => (
              <option key={r}>{r}</option>
            ))}
          </select>
        </label>
      </form>
      <h2>
        Latency · {service} / {check}
      </h2>
      {history.error && <p className="error">{history.error}</p>}
      <Chart
        data={data}
        yLabel="ms"
        series={[
          { label: 'ok', color: '#2f7de1' },
          { label: 'degraded', color: '#d08a00', points: true },
          { label: 'failed', color: '#d23c3c', points: true },
        ]}
      />
      <p className="muted">
        {history.data?.items.length ?? 0} probe results; failed and degraded runs are marked.
      </p>
      <h2>What Medic learned</h2>
      {stats.data && (
        <>
          <p>
            Time to resolve (last {stats.data.timeToResolve.sample}):{' '}
            {stats.data.timeToResolve.p50Ms === null
              ? '–'
              : `median ${(stats.data.timeToResolve.p50Ms / 1000).toFixed(1)} s`}
          </p>
          <table className="grid">
            <thead>
              <tr>
                <th>cause</th>
                <th>playbook</th>
                <th>success</th>
                <th>mean heal</th>
                <th title="the confidence the guard gives it now, for a certain diagnosis">trusted</th>
              </tr>
            </thead>
            <tbody>
              {stats.data.outcomes.map((o) => (
                <tr key={`${o.cause}/${o.playbook}`}>
                  <td>{o.cause}</td>
                  <td>{o.playbook}</td>
                  <td>
                    {Math.round(o.successRate * 100)}% of {o.attempts}
                  </td>
                  <td>{o.meanHealMs === null ? '–' : `${(o.meanHealMs / 1000).toFixed(1)} s`}</td>
                  <td>{Math.round(o.learnedConfidence * 100)}%</td>
                </tr>
              ))}
            </tbody>
          </table>
          {stats.data.outcomes.length === 0 && <p className="muted">No heals yet.</p>}
        </>
      )}
    </section>
  );
}
