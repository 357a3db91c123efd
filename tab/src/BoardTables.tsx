/** @jsxRuntime automatic */
// The release board's tables, drawn from the API's answer alone (no fetching here): Board reads and polls it.
import { Link, makeStyles, mergeClasses, Table, TableBody, TableCell, TableHeader, TableHeaderCell, TableRow, Text, Title2, Title3, tokens } from '@fluentui/react-components';
import type { BoardCell, BoardRow, BoardView } from '../../bot/tab/view';
import { Notice } from './Notice';
import { StageProgress } from './StageProgress';

const useStyles = makeStyles({
  scroller: { overflowX: 'auto' },
  cell: { verticalAlign: 'top', paddingBlock: '6px' },
  blockers: { margin: 0, paddingInlineStart: '1rem', fontSize: tokens.fontSizeBase200 },
});

/**
 * Where the stage names' long words may break, with a hyphen, when ten stage columns share a narrow board
 * (browsers without an English hyphenation dictionary would otherwise break them at any letter).
 */
const SYLLABLES: Record<string, string> = {
  Communication: 'Commu\u00ADnication',
  Decommissioned: 'Decom\u00ADmissioned',
  Retrospective: 'Retro\u00ADspective',
  production: 'pro\u00ADduction',
};
const breakable = (title: string): string => title.replace(/\p{L}{10,}/gu, (word) => SYLLABLES[word] ?? word);

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

interface Group {
  key: string;
  /** The wave's words, or undefined when the team plans no waves. */
  title?: string;
  rows: BoardRow[];
}

/** The board's rows grouped under the team's waves (open ones first), then those in none. */
function groupsOf(board: BoardView): Group[] {
  if (board.waves.length === 0) return [{ key: 'all', rows: board.workloads }];
  const groups: Group[] = board.waves.map((w) => ({
    key: w.id,
    title: `${w.name}: ${w.start} to ${w.end}${w.status === 'closed' ? ' (closed)' : ''}`,
    rows: board.workloads.filter((r) => r.waveId === w.id),
  }));
  const rest = board.workloads.filter((r) => !r.waveId);
  if (rest.length > 0) groups.push({ key: 'none', title: 'Not in a wave', rows: rest });
  return groups;
}

function WorkloadTable({ group, board, selected, onSelect }: { group: Group; board: BoardView; selected: string | undefined; onSelect: (id: string) => void }) {
  const styles = useStyles();
  const label = group.title ? `${group.title}: workloads against the release stages` : 'Workloads against the release stages';
  return (
    <div className={styles.scroller} role="region" aria-label={label} tabIndex={0}>
      <Table aria-label={label} size="small">
        <TableHeader>
          <TableRow>
            <TableHeaderCell scope="col">Workload</TableHeaderCell>
            <TableHeaderCell scope="col">Progress</TableHeaderCell>
            {board.stages.map((s) => (
              <TableHeaderCell scope="col" key={s.id} className="liftoff-stage-column">
                {breakable(s.title)}
              </TableHeaderCell>
            ))}
          </TableRow>
        </TableHeader>
        <TableBody>
          {group.rows.map((w) => (
            <TableRow key={w.workloadId} aria-selected={selected === w.workloadId}>
              <TableCell className={styles.cell}>
                <Link
                  as="button"
                  style={{ fontWeight: 600, textAlign: 'start' }}
                  aria-pressed={selected === w.workloadId}
                  onClick={() => onSelect(w.workloadId)}
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
  );
}

/** The board drawn from the API's answer: the workloads against the stages, grouped under the team's waves. */
export function BoardTables({ board, selected, onSelect }: { board: BoardView; selected: string | undefined; onSelect: (id: string) => void }) {
  return (
    <>
      <Title2 as="h1" id="board-title">
        Release board
      </Title2>
      {board.workloads.length === 0 ? (
        <Notice title="No workloads here yet">Type "new &lt;name&gt;" to Liftoff in this team or chat to start a release.</Notice>
      ) : (
        groupsOf(board).map((group) => (
          <section key={group.key} aria-label={group.title ?? 'Workloads'} style={{ marginTop: '8px' }}>
            {group.title && <Title3 as="h2">{group.title}</Title3>}
            <WorkloadTable group={group} board={board} selected={selected} onSelect={onSelect} />
          </section>
        ))
      )}
    </>
  );
}
