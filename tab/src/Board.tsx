import { Link, makeStyles, mergeClasses, Table, TableBody, TableCell, TableHeader, TableHeaderCell, TableRow, Text, Title2, tokens } from '@fluentui/react-components';
import { useState } from 'react';
import type { BoardCell, BoardView } from '../../bot/tab/view';
import './board.css';
import { Notice } from './Notice';
import { StageProgress } from './StageProgress';
import { pending, useApi } from './useApi';
import { WorkloadPanel } from './WorkloadPanel';

/** How often the board is read again, so a change made in chat shows without a reload. */
const REFRESH_MS = 15_000;

const useStyles = makeStyles({
  scroller: { overflowX: 'auto' },
  cell: { verticalAlign: 'top', paddingBlock: '6px' },
  blockers: { margin: 0, paddingInlineStart: '1rem', fontSize: tokens.fontSizeBase200 },
});

const STATE_WORDS: Record<BoardCell['state'], string> = { done: 'Done', current: 'In progress', failed: 'Failed', waiting: 'Not started' };
const STATE_COLOURS: Record<BoardCell['state'], string> = {
  done: tokens.colorPaletteGreenForeground1,
  current: tokens.colorBrandForeground1,
  failed: tokens.colorPaletteRedForeground1,
  waiting: tokens.colorNeutralForeground3,
};

function StageCell({ cell }: { cell: BoardCell }) {
  const styles = useStyles();
  return (
    <div>
      <Text weight={cell.state === 'current' || cell.state === 'failed' ? 'semibold' : 'regular'} style={{ color: STATE_COLOURS[cell.state] }}>
        {STATE_WORDS[cell.state]}
      </Text>{' '}
      <Text size={200}>
        ({cell.closed}/{cell.gates})
      </Text>
      {cell.blockers.length > 0 && (
        <ul className={styles.blockers} aria-label={`Blocking ${cell.title}`}>
          {cell.blockers.map((b) => (
            <li key={b}>{b}</li>
          ))}
        </ul>
      )}
    </div>
  );
}

/** The channel tab: the team's workloads against the release stages; selecting one opens its panel. */
export function Board({ scopeId }: { scopeId: string | undefined }) {
  const styles = useStyles();
  const state = useApi<BoardView>(scopeId ? `/api/tab/board?scope=${encodeURIComponent(scopeId)}` : undefined, REFRESH_MS);
  const [selected, setSelected] = useState<string | undefined>();

  if (!scopeId) return <Notice title="Add this tab to a team channel or a group chat">The release board shows the workloads of the team or chat it is in.</Notice>;
  const board = state.data;
  if (!board) return pending(state, { failed: 'The release board could not be shown', reading: 'Reading the release board' });
  return (
    <section aria-labelledby="board-title">
      <Title2 as="h1" id="board-title">
        Release board
      </Title2>
      {board.workloads.length === 0 ? (
        <Notice title="No workloads here yet">Type "new &lt;name&gt;" to Liftoff in this team or chat to start a release.</Notice>
      ) : (
        <div className={styles.scroller} role="region" aria-label="Workloads against the release stages" tabIndex={0}>
          <Table aria-label="Workloads against the release stages" size="small">
            <TableHeader>
              <TableRow>
                <TableHeaderCell scope="col">Workload</TableHeaderCell>
                <TableHeaderCell scope="col">Progress</TableHeaderCell>
                {board.stages.map((s) => (
                  <TableHeaderCell scope="col" key={s.id} className="liftoff-stage-column">
                    {s.title}
                  </TableHeaderCell>
                ))}
              </TableRow>
            </TableHeader>
            <TableBody>
              {board.workloads.map((w) => (
                <TableRow key={w.workloadId} aria-selected={selected === w.workloadId}>
                  <TableCell className={styles.cell}>
                    <Link
                      as="button"
                      style={{ fontWeight: 600, textAlign: 'start' }}
                      aria-pressed={selected === w.workloadId}
                      onClick={() => setSelected(w.workloadId)}
                      aria-label={`${w.name}: show its gates, tests, notices and history`}
                    >
                      {w.name}
                    </Link>
                    {w.next && (
                      <Text block size={200}>
                        Next: {w.next.gate}
                        {w.next.owners.length > 0 ? ` (${w.next.owners.join(', ')})` : ' (no owner yet)'}
                      </Text>
                    )}
                  </TableCell>
                  <TableCell className={styles.cell}>
                    <StageProgress closed={w.closedGates} total={w.totalGates} stageTitle={w.stageTitle} />
                  </TableCell>
                  {w.cells.map((c) => (
                    <TableCell key={c.stage} className={mergeClasses(styles.cell, 'liftoff-stage-column')}>
                      <StageCell cell={c} />
                    </TableCell>
                  ))}
                </TableRow>
              ))}
            </TableBody>
          </Table>
        </div>
      )}
      {selected && <WorkloadPanel workloadId={selected} key={selected} />}
    </section>
  );
}
