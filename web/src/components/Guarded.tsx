/**
 * The operator's controls sit behind the role each needs. Who is signed in comes from `GET /api/me` (App), is
 * shared through `MeContext`, and a control the role may not use is disabled with a tooltip naming the role
 * it needs. The API checks the role again; the dashboard only saves a click that would answer 403.
 */
import { type ButtonHTMLAttributes, createContext, useCallback, useContext, useState } from 'react';
import { errorText, type Me, type Role, roleAllows } from '../api.js';

export const MeContext = createContext<Me | null>(null);

export function useMe(): Me | null {
  return useContext(MeContext);
}

/** Whether the signed-in token may use a control that needs `need`. */
export function useAllowed(need: Role): boolean {
  const me = useMe();
  return me !== null && roleAllows(me.role, need);
}

export function neededTitle(need: Role, me: Me | null): string {
  return `Needs the ${need} role${me ? ` (${me.name} is ${me.role})` : ''}`;
}

type GuardedProps = ButtonHTMLAttributes<HTMLButtonElement> & { need: Role };

/** A button that needs a role: disabled, with a tooltip saying which role, when the token lacks it. */
export function Guarded({ need, disabled, title, children, ...rest }: GuardedProps) {
  const me = useMe();
  const allowed = me !== null && roleAllows(me.role, need);
  return (
    <button
      type="button"
      {...rest}
      disabled={!allowed || disabled}
      title={allowed ? title : neededTitle(need, me)}
      data-needs={need}
      data-allowed={allowed ? 'true' : 'false'}
    >
      {children}
    </button>
  );
}

export interface Doing {
  busy: boolean;
  error: string | null;
  /** What the last call answered, for a success message. */
  done: string | null;
  /** Runs `fn`; its error is kept (and shown by `<Outcome>`), never swallowed. */
  run(fn: () => Promise<string | null>): Promise<boolean>;
  clear(): void;
}

/** State of one control's call: busy while it runs, then its error or its success message. */
export function useDoing(): Doing {
  const [busy, setBusy] = useState(false);
  const [error, setError] = useState<string | null>(null);
  const [done, setDone] = useState<string | null>(null);
  const run = useCallback(async (fn: () => Promise<string | null>) => {
    setBusy(true);
    setError(null);
    setDone(null);
    try {
      setDone((await fn()) ?? null);
      return true;
    } catch (err) {
      setError(errorText(err));
      return false;
    } finally {
      setBusy(false);
    }
  }, []);
  const clear = useCallback(() => {
    setError(null);
    setDone(null);
  }, []);
  return { busy, error, done, run, clear };
}

/** A control's outcome: the API's error in red (role=alert), or what was done. */
export function Outcome({ doing, testId }: { doing: Doing; testId?: string }) {
  if (doing.error)
    return (
      <span className="error" role="alert" data-testid={testId ? `${testId}-error` : 'control-error'}>
        {doing.error}
      </span>
    );
  if (doing.done)
    return (
      <span className="muted" role="status" data-testid={testId ? `${testId}-done` : 'control-done'}>
        {doing.done}
      </span>
    );
  return null;
}
