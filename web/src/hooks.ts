import { useCallback, useEffect, useRef, useState } from 'react';
import { ApiError, type LiveType, live } from './api.js';

export interface Loaded<T> {
  data: T | null;
  error: string | null;
  loading: boolean;
  reload(): void;
}

/**
 * Loads with `fn` whenever `deps` change, and again (debounced) when a live event of one of `on` arrives, so a
 * page follows the daemon without a reload. A `reset` from the stream reloads every page.
 */
export function useLoad<T>(fn: () => Promise<T>, deps: unknown[], on: LiveType[] = []): Loaded<T> {
  const [data, setData] = useState<T | null>(null);
  const [error, setError] = useState<string | null>(null);
  const [loading, setLoading] = useState(true);
  const seq = useRef(0);
  const run = useCallback(() => {
    const mine = ++seq.current;
    setLoading(true);
    fn()
      .then((d) => {
        if (mine !== seq.current) return;
        setData(d);
        setError(null);
      })
      .catch((err: unknown) => {
        if (mine !== seq.current) return;
        setError(err instanceof ApiError ? `${err.message} (${err.code})` : String(err));
      })
      .finally(() => {
        if (mine === seq.current) setLoading(false);
      });
    // biome-ignore lint/correctness/useExhaustiveDependencies: the caller's deps decide when fn changes
  }, deps);
  useEffect(() => run(), [run]);
  const types = on.join(',');
  useEffect(() => {
    if (!types) return;
    const wanted = new Set([...types.split(','), 'reset']);
    let timer: ReturnType<typeof setTimeout> | null = null;
    const off = live.on((type) => {
      if (!wanted.has(type) || timer) return;
      timer = setTimeout(() => {
        timer = null;
        run();
      }, 150);
    });
    return () => {
      off();
      if (timer) clearTimeout(timer);
    };
  }, [types, run]);
  return { data, error, loading, reload: run };
}

/**
 * The dashboard's route: the part of the URL after `#`, e.g. `/incidents/inc_1`. A link written as a path
 * (`/incidents/inc_1`, `/actions?approve=act_1`, as some notifications send it; the daemon answers any path with
 * the dashboard) is read the same way when there is no hash.
 */
export function routeOf(loc: { hash: string; pathname: string; search: string }): string {
  const hash = loc.hash.slice(1);
  if (hash) return hash;
  if (loc.pathname && loc.pathname !== '/' && loc.pathname !== '/index.html')
    return loc.pathname + loc.search;
  return '/';
}

export function useHashRoute(): string {
  const [route, setRoute] = useState(() => routeOf(location));
  useEffect(() => {
    const on = () => setRoute(routeOf(location));
    window.addEventListener('hashchange', on);
    return () => window.removeEventListener('hashchange', on);
  }, []);
  return route;
}
