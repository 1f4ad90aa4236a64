/**
 * The operator's controls: the stop switch (stop and resume: operator), silences (create with matchers and
 * a duration, list, lift: operator), and per service a reset and "run this playbook now" (operator). Each
 * control is disabled for a role that may not use it, with a tooltip naming the role; what the API answers,
 * error or not, is shown beside the control.
 */
import { type FormEvent, useEffect, useState } from 'react';
import { type Action, ago, api, type ServiceStatus, time } from '../api.js';
import { Guarded, Outcome, useAllowed, useDoing } from '../components/Guarded.js';
import { useLoad } from '../hooks.js';

interface HealingSwitch {
  stopped: boolean;
  actor: string;
  reason: string;
  at: number;
}

interface Matcher {
  name: string;
  op: string;
  value: string;
}

interface Silence {
  id: string;
  matchers: Matcher[];
  startsAt: number;
  endsAt: number;
  createdBy: string;
  comment: string;
  createdAt: number;
  active: boolean;
}

interface PlaybookEntry {
  name: string;
  description: string | null;
  service: string;
  kinds: string[];
  after: string | null;
  autonomy: string | null;
  steps: number;
}

interface RunResult {
  service: string;
  playbook: string;
  incidentId: string;
  verdict: 'run' | 'ask' | 'suggest' | 'dry_run';
  rail: string;
  reason: string;
  actions: Action[];
}

/** Re-runs `reload` every `ms` (the stop switch and silences change without a live event). */
function useEvery(ms: number, reload: () => void): void {
  useEffect(() => {
    const t = setInterval(reload, ms);
    return () => clearInterval(t);
  }, [ms, reload]);
}

function HealingPanel() {
  const state = useLoad(() => api<HealingSwitch>('/api/healing'), [], ['action', 'incident']);
  useEvery(5000, state.reload);
  const doing = useDoing();
  const [reason, setReason] = useState('');
  const flip = (verb: 'stop' | 'resume') =>
    void doing.run(async () => {
      const s = await api<HealingSwitch>(`/api/healing/${verb}`, { method: 'POST', body: { reason } });
      setReason('');
      state.reload();
      return s.stopped ? 'healing stopped' : 'healing resumed';
    });
  const s = state.data;
  return (
    <article className="card" data-testid="healing">
      <h2>Healing</h2>
      {state.error && (
        <p className="error" role="alert">
          {state.error}
        </p>
      )}
      {s && (
        <p data-testid="healing-state" data-stopped={s.stopped ? 'true' : 'false'}>
          <span className={`badge ${s.stopped ? 'escalated' : 'verified'}`}>
            {s.stopped ? 'stopped' : 'running'}
          </span>{' '}
          {s.stopped
            ? `Stopped by ${s.actor}${s.reason ? ` (${s.reason})` : ''} ${ago(s.at)}: no new heal starts.`
            : s.at
              ? `Heals may run (last changed by ${s.actor} ${ago(s.at)}).`
              : 'Heals may run.'}
        </p>
      )}
      <div className="row">
        <input
          aria-label="reason"
          placeholder="reason (audited)"
          value={reason}
          maxLength={500}
          onChange={(e) => setReason(e.target.value)}
          data-testid="healing-reason"
        />
        <Guarded
          need="operator"
          className="danger"
          disabled={doing.busy || s?.stopped === true}
          onClick={() => flip('stop')}
          title="Stop every new heal; running steps finish"
        >
          Stop healing
        </Guarded>
        <Guarded
          need="operator"
          disabled={doing.busy || s?.stopped === false}
          onClick={() => flip('resume')}
          title="Let heals run again; what the stop held back is decided at once"
        >
          Resume healing
        </Guarded>
      </div>
      <Outcome doing={doing} testId="healing" />
    </article>
  );
}

/** `service=api, alertname=~Disk.*`: one matcher per line or comma. */
function matchersOf(text: string): string[] {
  return text
    .split(/[\n,]/)
    .map((m) => m.trim())
    .filter(Boolean);
}

function SilenceRow({ silence: s, onDone }: { silence: Silence; onDone(): void }) {
  const doing = useDoing();
  const lift = () =>
    void doing.run(async () => {
      await api(`/api/silences/${encodeURIComponent(s.id)}`, { method: 'DELETE' });
      onDone();
      return 'lifted';
    });
  return (
    <li className="action" data-testid="silence-row" data-id={s.id} data-active={s.active ? 'true' : 'false'}>
      <span className={`badge ${s.active ? 'suppressed' : 'resolved'}`}>{s.active ? 'active' : 'ended'}</span>
      <span className="mono">{s.matchers.map((m) => `${m.name}${m.op}${m.value}`).join(', ')}</span>
      <small>
        {s.active ? `until ${time(s.endsAt)}` : `ended ${ago(Math.min(s.endsAt, Date.now()))}`} · by{' '}
        {s.createdBy}
        {s.comment ? ` · ${s.comment}` : ''}
      </small>
      {s.active && (
        <span className="buttons">
          <Guarded need="operator" disabled={doing.busy} onClick={lift} title="End this silence now">
            Lift
          </Guarded>
        </span>
      )}
      <Outcome doing={doing} testId="silence" />
    </li>
  );
}

function SilencesPanel({ service }: { service: string }) {
  const list = useLoad(() => api<{ items: Silence[] }>('/api/silences'), [], ['action', 'incident']);
  useEvery(10_000, list.reload);
  const doing = useDoing();
  const allowed = useAllowed('operator');
  const [showEnded, setShowEnded] = useState(false);
  const create = (e: FormEvent<HTMLFormElement>) => {
    e.preventDefault();
    const form = e.currentTarget;
    const f = new FormData(form);
    const comment = String(f.get('comment') ?? '').trim();
    void doing.run(async () => {
      const s = await api<Silence>('/api/silences', {
        method: 'POST',
        body: {
          matchers: matchersOf(String(f.get('matchers') ?? '')),
          duration: String(f.get('duration') ?? '').trim(),
          ...(comment ? { comment } : {}),
        },
      });
      form.reset();
      list.reload();
      return `silence ${s.id} until ${time(s.endsAt)}`;
    });
  };
  const items = list.data?.items ?? [];
  const shown = showEnded ? items : items.filter((s) => s.active || s.startsAt > Date.now());
  return (
    <article className="card" data-testid="silences">
      <h2>Silences</h2>
      <p className="muted">
        A silence holds back the heals of findings whose labels match every matcher (<code>service=api</code>,{' '}
        <code>check!=health</code>, <code>alertname=~Disk.*</code>) until it ends or is lifted.
      </p>
      <form className="filters" onSubmit={create} data-testid="silence-form">
        <label>
          matchers
          <input
            name="matchers"
            required
            placeholder="service=api, kind=down"
            defaultValue={service ? `service=${service}` : ''}
            data-testid="silence-matchers"
          />
        </label>
        <label>
          for
          <input name="duration" required defaultValue="1h" size={6} data-testid="silence-duration" />
        </label>
        <label>
          comment
          <input name="comment" maxLength={500} placeholder="why" data-testid="silence-comment" />
        </label>
        <Guarded need="operator" type="submit" disabled={doing.busy} className="primary">
          Create silence
        </Guarded>
      </form>
      <Outcome doing={doing} testId="silence-create" />
      {list.error && (
        <p className="error" role="alert">
          {list.error}
        </p>
      )}
      <label className="check">
        <input type="checkbox" checked={showEnded} onChange={(e) => setShowEnded(e.target.checked)} /> show
        ended silences
      </label>
      {list.data && shown.length === 0 && <p className="muted">No silence in force.</p>}
      <ul className="list" data-testid="silence-list">
        {shown.map((s) => (
          <SilenceRow key={s.id} silence={s} onDone={list.reload} />
        ))}
      </ul>
      {!allowed && <p className="muted">Your role may read silences; creating and lifting needs operator.</p>}
    </article>
  );
}

function runMessage(r: RunResult): string {
  switch (r.verdict) {
    case 'run':
      return `${r.playbook} is running on ${r.service} (${r.actions.length} step${r.actions.length === 1 ? '' : 's'})`;
    case 'ask':
      return `${r.playbook} waits for approval: ${r.reason}`;
    default:
      return `${r.playbook} not run (${r.verdict.replace('_', ' ')}): ${r.reason}`;
  }
}

function ServiceRow({
  service: s,
  playbooks,
  focused,
}: {
  service: ServiceStatus;
  playbooks: PlaybookEntry[];
  focused: boolean;
}) {
  const mine = playbooks.filter((p) => p.service === s.name || p.service === '*');
  const [picked, setChosen] = useState('');
  const chosen = mine.some((p) => p.name === picked) ? picked : (mine[0]?.name ?? '');
  const reset = useDoing();
  const run = useDoing();
  const [asked, setAsked] = useState<string | null>(null);
  const doReset = () =>
    void reset.run(async () => {
      const r = await api<{ deciding: boolean }>(`/api/services/${encodeURIComponent(s.name)}/reset`, {
        method: 'POST',
      });
      return r.deciding ? 'reset: still failing, a heal is being decided now' : 'reset';
    });
  const doRun = () =>
    void run.run(async () => {
      setAsked(null);
      const r = await api<RunResult>(
        `/api/services/${encodeURIComponent(s.name)}/playbooks/${encodeURIComponent(chosen)}/run`,
        { method: 'POST' },
      );
      if (r.verdict === 'ask' && r.actions[0]) setAsked(r.actions[0].id);
      return runMessage(r);
    });
  return (
    <li
      className={`action${focused ? ' focused' : ''}`}
      data-testid={`service-${s.name}`}
      data-health={s.health}
    >
      <span className={`badge ${s.health}`}>{s.health}</span>
      <b>{s.name}</b>
      <span className="buttons">
        <Guarded
          need="operator"
          disabled={reset.busy}
          onClick={doReset}
          title="Forget failed heals and an escalation; a still failing service is healed at once"
        >
          Reset
        </Guarded>
        <select
          aria-label={`playbook for ${s.name}`}
          value={chosen}
          onChange={(e) => setChosen(e.target.value)}
          data-testid="playbook-select"
        >
          {mine.length === 0 && <option value="">no playbook</option>}
          {mine.map((p) => (
            <option key={p.name} value={p.name} title={p.description ?? undefined}>
              {p.name}
            </option>
          ))}
        </select>
        <Guarded
          need="operator"
          disabled={run.busy || !chosen}
          onClick={doRun}
          title="Run this playbook on the service's open incident now, through the guard and approvals"
        >
          Run playbook
        </Guarded>
      </span>
      <Outcome doing={reset} testId="reset" />
      <Outcome doing={run} testId="run" />
      {asked && <a href={`#/actions?approve=${encodeURIComponent(asked)}`}>approve or reject it</a>}
    </li>
  );
}

function ServicesPanel({ focus }: { focus: string }) {
  const services = useLoad(() => api<{ items: ServiceStatus[] }>('/api/services'), [], ['health']);
  const playbooks = useLoad(() => api<{ items: PlaybookEntry[] }>('/api/playbooks'), []);
  return (
    <article className="card" data-testid="services">
      <h2>Services</h2>
      <p className="muted">
        Reset forgets a service's failed heals and escalation. Running a playbook heals the service's open
        incident now, through the guard, the journal and approvals like any heal.
      </p>
      {services.error && (
        <p className="error" role="alert">
          {services.error}
        </p>
      )}
      {playbooks.error && (
        <p className="error" role="alert">
          {playbooks.error}
        </p>
      )}
      <ul className="list">
        {services.data?.items.map((s) => (
          <ServiceRow
            key={s.name}
            service={s}
            playbooks={playbooks.data?.items ?? []}
            focused={s.name === focus}
          />
        ))}
      </ul>
    </article>
  );
}

export function Controls({ params }: { params: URLSearchParams }) {
  const service = params.get('service') ?? '';
  return (
    <section className="controls">
      <HealingPanel />
      <ServicesPanel focus={service} />
      <SilencesPanel service={service} />
    </section>
  );
}
