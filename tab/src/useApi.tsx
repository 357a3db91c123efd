import { Spinner } from '@fluentui/react-components';
import { useCallback, useEffect, useRef, useState, type ReactNode } from 'react';
import { Notice } from './Notice';
import { getTagged } from './teams';

export interface ApiState<T> {
  data?: T;
  error?: string;
  /** Reads again at once (after an action), without waiting for the next poll. */
  reload: () => void;
}

/**
 * Reads a tab API path, and again every refreshMs when given, while the page is visible: each poll sends the
 * ETag of what is shown and the server answers 304 until something changed. A failed re-read keeps what was shown.
 */
export function useApi<T>(path: string | undefined, refreshMs?: number): ApiState<T> {
  const [state, setState] = useState<Omit<ApiState<T>, 'reload'>>({});
  const etag = useRef<string | undefined>(undefined);
  const load = useCallback(async () => {
    if (!path) return;
    try {
      const read = await getTagged<T>(path, etag.current);
      if (read.unchanged) return;
      etag.current = read.etag;
      setState({ data: read.data });
    } catch (e) {
      setState((before) => ({ ...before, error: e instanceof Error ? e.message : String(e) }));
    }
  }, [path]);
  useEffect(() => {
    etag.current = undefined;
    void load();
    if (!refreshMs) return undefined;
    const timer = setInterval(() => {
      if (document.visibilityState !== 'hidden') void load();
    }, refreshMs);
    return () => clearInterval(timer);
  }, [load, refreshMs]);
  const reload = useCallback(() => void load(), [load]);
  return { ...state, reload };
}

/** What stands in for the data while it is read, or when it could not be: undefined once there is data. */
export function pending<T>(state: Pick<ApiState<T>, 'data' | 'error'>, words: { failed: string; reading: string }): ReactNode | undefined {
  if (state.data !== undefined) return undefined;
  if (state.error !== undefined)
    return (
      <Notice intent="error" title={words.failed}>
        {state.error}
      </Notice>
    );
  return <Spinner label={words.reading} />;
}
