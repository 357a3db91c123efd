/** @jsxRuntime automatic */
// The workload panel drawn from the API's answer alone (no fetching here): WorkloadPanel reads and polls it.
import { Table, TableBody, TableCell, TableHeader, TableHeaderCell, TableRow, Text, Title3 } from '@fluentui/react-components';
import type { ReactNode } from 'react';
import type { WorkloadDetail } from '../../bot/tab/view';
import { AcknowledgedOverTime, BurnDown, UatProgress } from './Charts';

const when = (iso: string) => new Date(iso).toLocaleString(undefined, { dateStyle: 'medium', timeStyle: 'short' });

/** A table with a caption and column headers, so a screen reader announces each cell by its column. */
function DataTable({ caption, columns, rows }: { caption: string; columns: string[]; rows: ReactNode[][] }) {
  return (
    <div style={{ overflowX: 'auto' }} role="region" aria-label={caption} tabIndex={0}>
      <Table size="small" aria-label={caption}>
        <TableHeader>
          <TableRow>
            {columns.map((c) => (
              <TableHeaderCell scope="col" key={c}>
                {c}
              </TableHeaderCell>
            ))}
          </TableRow>
        </TableHeader>
        <TableBody>
          {rows.map((cells, i) => (
            <TableRow key={i}>
              {cells.map((cell, j) => (
                <TableCell key={j}>{cell}</TableCell>
              ))}
            </TableRow>
          ))}
        </TableBody>
      </Table>
    </div>
  );
}

function Part({ title, empty, children }: { title: string; empty: boolean; children: ReactNode }) {
  return (
    <section aria-label={title} style={{ marginTop: '16px' }}>
      <Title3 as="h3">{title}</Title3>
      {empty ? <Text block>None yet.</Text> : children}
    </section>
  );
}

/** The selected workload: gates with owners and evidence, UAT cycles, notices, retro action items, and the audit trail. */
export function WorkloadDetails({ detail }: { detail: WorkloadDetail }) {
  return (
    <article aria-labelledby="workload-title" style={{ marginTop: '20px' }}>
      <Title3 as="h2" id="workload-title">
        {detail.name}: {detail.stageTitle}
      </Title3>
      <Part title="Gates" empty={false}>
        <DataTable
          caption={`Gates of ${detail.name}`}
          columns={['Gate', 'Stage', 'Owner', 'Status', 'Evidence']}
          rows={detail.gates.map((g) => [
            g.title,
            g.stageTitle,
            g.owners.length > 0 ? g.owners.join(', ') : `${g.ownerRole} (not assigned)`,
            g.decidedBy ? `${g.status} by ${g.decidedBy}${g.decidedAt ? `, ${when(g.decidedAt)}` : ''}` : g.status,
            [g.typedEvidence, g.evidence, g.reason].filter(Boolean).join(' · ') || '-',
          ])}
        />
      </Part>
      <Part title="UAT cycles" empty={detail.cycles.length === 0}>
        <DataTable
          caption={`UAT cycles of ${detail.name}`}
          columns={['Cycle', 'State', 'Approved', 'Rejected', 'Waiting', 'Due']}
          rows={detail.cycles.map((c) => [`UAT ${c.number}`, c.state, `${c.approved} of ${c.needed} needed`, c.rejected, c.pending, when(c.due)])}
        />
        {detail.cycles.map((c) => (
          <UatProgress key={c.id} cycle={c} />
        ))}
      </Part>
      <Part title="Change notices" empty={detail.notices.length === 0}>
        <DataTable
          caption={`Change notices of ${detail.name}`}
          columns={['Notice', 'Status', 'Delivered', 'Acknowledged', 'Not reached']}
          rows={detail.notices.map((n) => [n.title, n.status, `${n.sent} of ${n.total}`, `${n.acknowledged} of ${n.sent}`, n.unreachable])}
        />
        {detail.notices
          .filter((n) => n.sent > 0)
          .map((n) => (
            <AcknowledgedOverTime key={n.id} notice={n} />
          ))}
      </Part>
      <Part title="Retrospective action items" empty={detail.actions.length === 0}>
        <DataTable caption={`Retrospective action items of ${detail.name}`} columns={['Action', 'Owner', 'Due', 'Status']} rows={detail.actions.map((a) => [a.text, a.owner, a.due, a.status])} />
        <BurnDown points={detail.burnDown} />
      </Part>
      <Part title="History" empty={detail.timeline.length === 0}>
        <ol aria-label={`History of ${detail.name}, newest first`}>
          {detail.timeline.map((e, i) => (
            <li key={i}>
              <Text>
                <time dateTime={e.at}>{when(e.at)}</time>: {e.summary}
              </Text>
            </li>
          ))}
        </ol>
      </Part>
    </article>
  );
}
