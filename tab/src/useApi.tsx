import { Spinner } from '@fluentui/react-components';
import { useCallback, useEffect, useState, type ReactNode } from 'react';
import { Notice } from './Notice';
import { getJson } from './teams';

export interface ApiState<T> {
  data?: T;
  error?: string;
}

/** Reads a tab API path (again every refreshMs, when given); a failed re-read keeps what was shown. */
export function useApi<T>(path: string | undefined, refreshMs?: number): ApiState<T> {
  const [state, setState] = useState<ApiState<T>>({});
  const load = useCallback(async () => {
    if (!path) return;
    try {
      const data = await getJson<T>(path);
      setState({ data });
    } catch (e) {
      setState((before) => ({ ...before, error: e instanceof Error ? e.message : String(e) }));
    }
  }, [path]);
  useEffect(() => {
    void load();
    if (!refreshMs) return undefined;
    const timer = setInterval(() => void load(), refreshMs);
    return () => clearInterval(timer);
  }, [load, refreshMs]);
  return state;
}

/** What stands in for the data while it is read, or when it could not be: undefined once there is data. */
export function pending<T>(state: ApiState<T>, words: { failed: string; reading: string }): ReactNode | undefined {
  if (state.data !== undefined) return undefined;
  if (state.error !== undefined)
    return (
      <Notice intent="error" title={words.failed}>
        {state.error}
      </Notice>
    );
  return <Spinner label={words.reading} />;
}
