import { type FormEvent, useEffect, useState } from 'react';
import { ApiError, api, type LiveState, live, type Me, session } from './api.js';
import { MeContext } from './components/Guarded.js';
import { useHashRoute } from './hooks.js';
import { Actions } from './pages/Actions.js';
import { Audit } from './pages/Audit.js';
import { Backups } from './pages/Backups.js';
import { CI } from './pages/CI.js';
import { Controls } from './pages/Controls.js';
import { IncidentDetail, Incidents } from './pages/Incidents.js';
import { Metrics } from './pages/Metrics.js';
import { Overview } from './pages/Overview.js';
import { Security } from './pages/Security.js';

const NAV = [
  ['/', 'Overview'],
  ['/incidents', 'Incidents'],
  ['/actions', 'Actions'],
  ['/ci', 'CI'],
  ['/controls', 'Controls'],
  ['/backups', 'Backups'],
  ['/metrics', 'Metrics'],
  ['/audit', 'Audit'],
  ['/security', 'Security'],
] as const;

function SignIn({ onSignedIn, error }: { onSignedIn(me: Me): void; error: string | null }) {
  const [message, setMessage] = useState<string | null>(error);
  const submit = async (e: FormEvent<HTMLFormElement>) => {
    e.preventDefault();
    const token = String(new FormData(e.currentTarget).get('token') ?? '').trim();
    session.set(token);
    try {
      onSignedIn(await api<Me>('/api/me'));
    } catch (err) {
      session.set(null);
      setMessage(err instanceof ApiError && err.status === 401 ? 'That token is not valid.' : String(err));
    }
  };
  return (
    <main className="signin">
      <form onSubmit={(e) => void submit(e)}>
        <h1>Medic</h1>
        <p className="muted">
          Sign in with an API token (<code>medic token create --role operator --name you</code>).
        </p>
        <label>
          token
          <input name="token" type="password" autoComplete="current-password" required data-testid="token" />
        </label>
        <button type="submit" className="primary">
          Sign in
        </button>
        {message && <p className="error">{message}</p>}
      </form>
    </main>
  );
}

interface HealingSwitch {
  stopped: boolean;
  actor: string;
  reason: string;
}

/** While healing is stopped, every page says so (and by whom), with a way to the controls. */
function StoppedBanner() {
  const [state, setState] = useState<HealingSwitch | null>(null);
  useEffect(() => {
    let stop = false;
    const load = () =>
      api<HealingSwitch>('/api/healing')
        .then((s) => !stop && setState(s))
        .catch(() => !stop && setState(null));
    void load();
    const t = setInterval(load, 5000);
    const off = live.on((type) => {
      if (type === 'action' || type === 'reset') void load();
    });
    return () => {
      stop = true;
      clearInterval(t);
      off();
    };
  }, []);
  if (!state?.stopped) return null;
  return (
    <p className="banner" role="status" data-testid="stopped-banner">
      Healing is stopped by {state.actor}
      {state.reason ? ` (${state.reason})` : ''}: no heal starts until an admin resumes it.{' '}
      <a href="#/controls">Controls</a>
    </p>
  );
}

export function App() {
  const [me, setMe] = useState<Me | null>(null);
  const [checked, setChecked] = useState(false);
  const [error, setError] = useState<string | null>(null);
  const [liveState, setLiveState] = useState<LiveState>(live.state);
  const route = useHashRoute();

  useEffect(() => {
    api<Me>('/api/me')
      .then(setMe)
      .catch((err: unknown) => {
        if (!(err instanceof ApiError && err.status === 401)) setError(String(err));
        session.set(null);
      })
      .finally(() => setChecked(true));
  }, []);

  useEffect(() => {
    if (!me) return;
    const off = live.onState(setLiveState);
    live.start();
    return () => {
      off();
      live.stop();
    };
  }, [me]);

  if (!checked) return null;
  if (!me) return <SignIn onSignedIn={setMe} error={error} />;

  const [path = '/', search = ''] = route.split('?');
  const params = new URLSearchParams(search);
  const parts = path.split('/').filter(Boolean);
  let page = <Overview />;
  if (parts[0] === 'incidents' && parts[1]) page = <IncidentDetail id={decodeURIComponent(parts[1])} />;
  else if (parts[0] === 'incidents') page = <Incidents params={params} />;
  else if (parts[0] === 'actions')
    page = <Actions asked={parts[1] ? decodeURIComponent(parts[1]) : params.get('approve')} />;
  else if (parts[0] === 'controls') page = <Controls params={params} />;
  else if (parts[0] === 'ci') page = <CI params={params} />;
  else if (parts[0] === 'backups') page = <Backups />;
  else if (parts[0] === 'metrics') page = <Metrics params={params} />;
  else if (parts[0] === 'audit') page = <Audit params={params} />;
  else if (parts[0] === 'security') page = <Security />;
  const current = `/${parts[0] ?? ''}`;

  return (
    <MeContext.Provider value={me}>
      <header className="top">
        <a href="#/" className="brand">
          Medic
        </a>
        <nav>
          {NAV.map(([href, label]) => (
            <a key={href} href={`#${href}`} className={current === href ? 'current' : ''}>
              {label}
            </a>
          ))}
        </nav>
        <span className={`live ${liveState}`} data-testid="live" title="live updates">
          {liveState}
        </span>
        <span className="who">
          {me.name} · {me.role}
          {me.auth && (
            <button
              type="button"
              className="link"
              onClick={() => {
                session.set(null);
                setMe(null);
              }}
            >
              sign out
            </button>
          )}
        </span>
      </header>
      <StoppedBanner />
      <main>{page}</main>
    </MeContext.Provider>
  );
}
