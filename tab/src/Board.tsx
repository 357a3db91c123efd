import { useState } from 'react';
import type { BoardView } from '../../bot/tab/view';
import { BoardTables } from './BoardTables';
import { Notice } from './Notice';
import { pending, useApi } from './useApi';
import { WorkloadPanel } from './WorkloadPanel';

/** How often the board is read again, so a change made in chat shows without a reload (a 304 while nothing changed). */
const REFRESH_MS = 5_000;

/** The channel tab: the team's workloads against the release stages, by wave; selecting one opens its panel. */
export function Board({ scopeId }: { scopeId: string | undefined }) {
  const state = useApi<BoardView>(scopeId ? `/api/tab/board?scope=${encodeURIComponent(scopeId)}` : undefined, REFRESH_MS);
  const [selected, setSelected] = useState<string | undefined>();

  if (!scopeId) return <Notice title="Add this tab to a team channel or a group chat">The release board shows the workloads of the team or chat it is in.</Notice>;
  const board = state.data;
  if (!board) return pending(state, { failed: 'The release board could not be shown', reading: 'Reading the release board' });
  return (
    <section aria-labelledby="board-title">
      <BoardTables board={board} selected={selected} onSelect={setSelected} />
      {selected && <WorkloadPanel workloadId={selected} key={selected} />}
    </section>
  );
}
