import { ago, api, query, time } from '../api.js';
import { useLoad } from '../hooks.js';

const CLASSES = ['infrastructure', 'flaky_test', 'dependency', 'code', 'config'] as const;

interface Failure {
  pipeline: string;
  at: number;
  run: string | null;
  commit: string | null;
  workflow: string | null;
  cls: (typeof CLASSES)[number];
  confidence: number | null;
  tests: string[];
  url: string | null;
  reran: boolean;
  outcome: 'passed' | 'failed' | null;
}

interface CiSummary {
  since: number;
  pipelines: {
    name: string;
    provider: string;
    repository: string;
    service: string;
    branches: string[];
    last: { at: number; passed: boolean; commit: string | null; workflow: string | null } | null;
    failures: number;
    reruns: number;
  }[];
  byClass: Record<string, number>;
  reruns: { total: number; passed: number; failed: number; waiting: number };
  recent: Failure[];
  flakiest: { pipeline: string; test: string; flakyCommits: number; failures: number; lastAt: number }[];
}

const short = (sha: string | null) => (sha ? sha.slice(0, 8) : '');

function rerunOf(f: Failure): string {
  // A person's re-run (or the same workflow again on the commit) settles a failure Medic did not re-run.
  if (!f.reran && f.outcome !== null) return `${f.outcome} on a re-run by hand`;
  if (!f.reran) return f.cls === 'infrastructure' || f.cls === 'flaky_test' ? 'not re-run' : 'never re-run';
  return f.outcome === null ? 're-run, waiting' : `re-run ${f.outcome}`;
}

/** CI/CD: each pipeline's last result, failures by class, Medic's re-runs and their outcomes, the flakiest tests. */
export function CI({ params }: { params: URLSearchParams }) {
  const days = Number(params.get('days') ?? 30) || 30;
  const s = useLoad(() => api<CiSummary>(`/api/ci${query({ days })}`), [days], ['incident', 'action']);
  const d = s.data;
  return (
    <section>
      <h2>CI/CD</h2>
      <p className="muted">
        Failures of the last {days} days, classified from their logs; infrastructure and flaky failures are
        re-run, the others go to a human.
      </p>
      {s.error && <p className="error">{s.error}</p>}
      {d && d.pipelines.length === 0 && (
        <p className="muted">No pipelines watched: add them under ci.pipelines in medic.yaml (docs/ci.md).</p>
      )}
      <div className="tiles" data-testid="ci-pipelines">
        {d?.pipelines.map((p) => (
          <article
            key={p.name}
            className={`tile ${p.last === null ? '' : p.last.passed ? 'healthy' : 'down'}`}
            data-testid="ci-pipeline"
            data-name={p.name}
          >
            <header>
              <b>{p.name}</b>
              <span
                className={`badge ${p.last === null ? '' : p.last.passed ? 'healthy' : 'down'}`}
                data-testid="ci-last"
              >
                {p.last === null ? 'no result yet' : p.last.passed ? 'passing' : 'failing'}
              </span>
            </header>
            <dl>
              <dt>repository</dt>
              <dd>
                {p.provider} {p.repository}
              </dd>
              <dt>service</dt>
              <dd>
                <a href={`#/incidents${query({ service: p.service })}`}>{p.service}</a>
              </dd>
              <dt>last</dt>
              <dd>{p.last ? `${ago(p.last.at)} · ${short(p.last.commit)}` : '-'}</dd>
              <dt>failures</dt>
              <dd data-testid="ci-failures">
                {p.failures} ({p.reruns} re-run)
              </dd>
            </dl>
          </article>
        ))}
      </div>

      <h3 style={{ marginTop: '1.5rem' }}>Failures by class</h3>
      <div className="summary" data-testid="ci-classes">
        {CLASSES.map((c) => (
          <span key={c} className="stat" data-testid={`ci-class-${c}`}>
            <b>{d?.byClass[c] ?? 0}</b>
            {c.replace('_', ' ')}
          </span>
        ))}
      </div>

      <h3 style={{ marginTop: '1.5rem' }}>Re-runs</h3>
      <div className="summary" data-testid="ci-reruns">
        <span className="stat">
          <b data-testid="ci-reruns-total">{d?.reruns.total ?? 0}</b>re-run
        </span>
        <span className="stat">
          <b data-testid="ci-reruns-passed">{d?.reruns.passed ?? 0}</b>passed
        </span>
        <span className="stat">
          <b data-testid="ci-reruns-failed">{d?.reruns.failed ?? 0}</b>failed again
        </span>
        <span className="stat">
          <b>{d?.reruns.waiting ?? 0}</b>waiting
        </span>
      </div>

      <h3 style={{ marginTop: '1.5rem' }}>Recent failures</h3>
      {d?.recent.length === 0 && <p className="muted">No failures in this window.</p>}
      <table className="grid" data-testid="ci-recent">
        <thead>
          <tr>
            <th>when</th>
            <th>pipeline</th>
            <th>run</th>
            <th>commit</th>
            <th>class</th>
            <th>tests</th>
            <th>re-run</th>
          </tr>
        </thead>
        <tbody>
          {d?.recent.map((f) => (
            <tr key={`${f.pipeline}:${f.run}:${f.at}`} data-testid="ci-failure">
              <td>{time(f.at)}</td>
              <td>{f.pipeline}</td>
              <td>
                {f.url ? (
                  <a href={f.url} target="_blank" rel="noreferrer">
                    {f.run}
                  </a>
                ) : (
                  f.run
                )}
              </td>
              <td className="mono">{short(f.commit)}</td>
              <td data-testid="ci-failure-class">
                {f.cls}
                {f.confidence !== null && <small className="muted"> {f.confidence}</small>}
              </td>
              <td className="wrap">{f.tests.join(', ')}</td>
              <td data-testid="ci-failure-rerun">{rerunOf(f)}</td>
            </tr>
          ))}
        </tbody>
      </table>

      <h3 style={{ marginTop: '1.5rem' }}>Flakiest tests</h3>
      {d?.flakiest.length === 0 && (
        <p className="muted">No test has failed and then passed on the same commit in this window.</p>
      )}
      <table className="grid" data-testid="ci-flakiest">
        <thead>
          <tr>
            <th>test</th>
            <th>pipeline</th>
            <th title="commits on which it failed and then passed">flaky commits</th>
            <th>failures</th>
            <th>last</th>
          </tr>
        </thead>
        <tbody>
          {d?.flakiest.map((t) => (
            <tr key={`${t.pipeline}:${t.test}`} data-testid="ci-flaky-test">
              <td className="wrap mono">{t.test}</td>
              <td>{t.pipeline}</td>
              <td>{t.flakyCommits}</td>
              <td>{t.failures}</td>
              <td>{ago(t.lastAt)}</td>
            </tr>
          ))}
        </tbody>
      </table>
    </section>
  );
}
