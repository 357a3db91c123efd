import { useState } from 'react';
import type { ActResult, MyWork as MyWorkView } from '../../bot/tab/view';
import { openInTeams, postAction } from './teams';
import { pending, useApi } from './useApi';
import { WorkList, type Press } from './WorkList';

/** What waits on a person changes when others act: read again now and then (a 304 while nothing changed). */
const REFRESH_MS = 15_000;

/** The personal tab: what waits on the signed-in person across their teams and chats, each with its button and a way to its chat. */
export function MyWork() {
  const state = useApi<MyWorkView>('/api/tab/mywork', REFRESH_MS);
  const [result, setResult] = useState<ActResult | undefined>();
  const [busy, setBusy] = useState(false);
  const work = state.data;

  const act = (press: Press) => {
    setBusy(true);
    postAction(`/api/tab/${press.path}`, press.body)
      .then(setResult, (e: unknown) => setResult({ changed: false, message: e instanceof Error ? e.message : String(e) }))
      .finally(() => {
        setBusy(false);
        state.reload();
      });
  };

  if (!work) return pending(state, { failed: 'Your release work could not be shown', reading: 'Reading your release work' });
  return (
    <section aria-labelledby="mywork-title">
      <WorkList work={work} result={result} busy={busy} act={act} open={openInTeams} />
    </section>
  );
}
