import { Link, Table, TableBody, TableCell, TableHeader, TableHeaderCell, TableRow, Title2 } from '@fluentui/react-components';
import type { MyWork as MyWorkView, WorkItem } from '../../bot/tab/view';
import { Notice } from './Notice';
import { openInTeams } from './teams';
import { pending, useApi } from './useApi';

const KIND_WORDS: Record<WorkItem['kind'], string> = { gate: 'Gate to decide', uat: 'UAT decision', finalSignoff: 'Final sign-off' };

/** The personal tab: what waits on the signed-in person across their teams and chats, each with a way to its chat. */
export function MyWork() {
  const state = useApi<MyWorkView>('/api/tab/mywork');
  const work = state.data;
  if (!work) return pending(state, { failed: 'Your release work could not be shown', reading: 'Reading your release work' });
  return (
    <section aria-labelledby="mywork-title">
      <Title2 as="h1" id="mywork-title">
        My release work
      </Title2>
      {work.items.length === 0 ? (
        <Notice title="Nothing waits on you">No gate, test or sign-off of a release is yours to decide right now.</Notice>
      ) : (
        <div style={{ overflowX: 'auto' }} role="region" aria-label="What waits on you" tabIndex={0}>
          <Table size="small" aria-label="What waits on you">
            <TableHeader>
              <TableRow>
                <TableHeaderCell scope="col">Workload</TableHeaderCell>
                <TableHeaderCell scope="col">What</TableHeaderCell>
                <TableHeaderCell scope="col">Where</TableHeaderCell>
              </TableRow>
            </TableHeader>
            <TableBody>
              {work.items.map((item, i) => (
                <TableRow key={`${item.workloadId}:${item.kind}:${i}`}>
                  <TableCell>{item.workloadName}</TableCell>
                  <TableCell>
                    {KIND_WORDS[item.kind]}: {item.title}
                  </TableCell>
                  <TableCell>
                    <Link
                      href={item.link}
                      target="_blank"
                      onClick={(e) => {
                        e.preventDefault();
                        openInTeams(item.link);
                      }}
                    >
                      Open the chat of {item.workloadName}
                    </Link>
                  </TableCell>
                </TableRow>
              ))}
            </TableBody>
          </Table>
        </div>
      )}
    </section>
  );
}
