/** @jsxRuntime automatic */
// The personal tab's list drawn from the API's answer alone (no fetching, no Teams host here): MyWork reads it,
// posts the presses and opens the links.
import { Button, Field, Input, Link, makeStyles, Text, Title2, tokens } from '@fluentui/react-components';
import { useState } from 'react';
import type { ActResult, MyWork as MyWorkView, WorkAction, WorkItem } from '../../bot/tab/view';
import { Notice } from './Notice';

const KIND_WORDS: Record<WorkItem['kind'], string> = {
  gate: 'Gate to decide',
  uat: 'UAT decision',
  finalSignoff: 'Final sign-off',
  notice: 'Notice to acknowledge',
  action: 'Retro action item',
  review: 'Priorities review',
};

const useStyles = makeStyles({
  list: { listStyle: 'none', margin: 0, padding: 0, display: 'grid', gap: '12px' },
  item: {
    border: `1px solid ${tokens.colorNeutralStroke1}`,
    borderRadius: tokens.borderRadiusMedium,
    padding: '10px 12px',
    display: 'grid',
    gap: '6px',
    minWidth: 0,
    overflowWrap: 'anywhere',
  },
  buttons: { display: 'flex', flexWrap: 'wrap', gap: '8px', alignItems: 'end' },
});

/** A button's request: where it goes and what it sends (the API checks everything again). */
export type Press = { path: string; body: Record<string, unknown> };

const base = (item: WorkItem) => ({ workloadId: item.workloadId });

function ItemButtons({ item, act, busy }: { item: WorkItem; act: (press: Press) => void; busy: boolean }) {
  const styles = useStyles();
  const [note, setNote] = useState('');
  const a: WorkAction = item.act;
  const noteField = (label: string, hint: string) => (
    <Field label={label} hint={hint} style={{ flex: '1 1 12rem', minWidth: 0 }}>
      <Input value={note} onChange={(_e, d) => setNote(d.value)} />
    </Field>
  );
  switch (a.kind) {
    case 'gate': {
      const decide = (decision: 'pass' | 'fail' | 'waive') => () => act({ path: 'gates', body: { ...base(item), gateId: a.gateId, rev: a.rev, decision, note, requestId: crypto.randomUUID() } });
      const others = a.also.map((decision) => (
        <Button key={decision} disabled={busy} onClick={decide(decision)}>
          {decision === 'fail' ? 'Fail' : 'Waive'}
        </Button>
      ));
      // A reason is needed to fail or waive, as on the card: the rule refuses an empty one with the card's sentence.
      if (a.evidenceForm)
        return (
          <div className={styles.buttons}>
            <Text block>This gate passes with its evidence: open the chat, then Record a decision and Evidence form on the checklist.</Text>
            {others.length > 0 && noteField('Reason', 'Needed to fail or waive the gate')}
            {others}
          </div>
        );
      return (
        <div className={styles.buttons}>
          {noteField(others.length > 0 ? 'Evidence or reason' : 'Evidence (optional)', others.length > 0 ? 'Optional to pass; needed to fail or waive' : 'A link or a sentence kept with the gate')}
          <Button appearance="primary" disabled={busy} onClick={decide('pass')}>
            Pass "{item.title}"
          </Button>
          {others}
        </div>
      );
    }
    case 'uat':
    case 'finalSignoff': {
      const path = a.kind === 'uat' ? 'uat' : 'signoff';
      return (
        <div className={styles.buttons}>
          {noteField('Comment', 'Needed to reject')}
          <Button appearance="primary" disabled={busy} onClick={() => act({ path, body: { ...base(item), cycleId: a.cycleId, decision: 'approve', comment: note } })}>
            Approve
          </Button>
          <Button disabled={busy} onClick={() => act({ path, body: { ...base(item), cycleId: a.cycleId, decision: 'reject', comment: note } })}>
            {a.kind === 'uat' ? 'Reject' : 'Refuse the sign-off'}
          </Button>
        </div>
      );
    }
    case 'notice':
      return (
        <div className={styles.buttons}>
          <Button appearance="primary" disabled={busy} onClick={() => act({ path: 'acknowledgements', body: { ...base(item), noticeId: a.noticeId } })}>
            Acknowledge
          </Button>
        </div>
      );
    case 'review':
      return (
        <div className={styles.buttons}>
          <Text block>Its decisions (a workload moved in or out of the next wave, or to another place, with the reason) are recorded on the review card in the channel.</Text>
        </div>
      );
    case 'action':
      return (
        <div className={styles.buttons}>
          <Button appearance="primary" disabled={busy} onClick={() => act({ path: 'action-items', body: { ...base(item), actionId: a.actionId } })}>
            Mark done
          </Button>
        </div>
      );
  }
}

/** A Teams deep link, opened through the host (a link cannot move the Teams client from inside the tab's frame). */
function ChatLink({ link, name, review, open }: { link: string; name: string; review: boolean; open: (link: string) => void }) {
  return (
    <Link
      href={link}
      target="_blank"
      onClick={(e) => {
        e.preventDefault();
        open(link);
      }}
    >
      {review ? `Open the review of ${name} in its channel` : `Open the chat of ${name}`}
    </Link>
  );
}

/** What waits on the person, each with its buttons and a way to its chat; the answer to the last press above them. */
export function WorkList({ work, result, busy, act, open }: { work: MyWorkView; result: ActResult | undefined; busy: boolean; act: (press: Press) => void; open: (link: string) => void }) {
  const styles = useStyles();
  return (
    <>
      <Title2 as="h1" id="mywork-title">
        My release work
      </Title2>
      {/* The answer to a button is announced where it is shown, and stays until the next one. */}
      <div role="status" aria-live="polite" style={{ margin: '8px 0' }}>
        {result && (
          <Notice title={result.changed ? 'Done' : 'Not done'} intent={result.changed ? 'success' : 'warning'}>
            {result.message}
          </Notice>
        )}
      </div>
      {work.items.length === 0 ? (
        <Notice title="Nothing waits on you">No gate, test, sign-off, notice, action item or review of a release is yours right now.</Notice>
      ) : (
        <ul className={styles.list} aria-label="What waits on you">
          {work.items.map((item) => (
            <li key={`${item.workloadId}:${JSON.stringify(item.act)}`} className={styles.item} aria-label={`${KIND_WORDS[item.kind]}: ${item.title}, ${item.workloadName}`}>
              <Text size={200}>
                {KIND_WORDS[item.kind]} · {item.workloadName}
              </Text>
              <Text weight="semibold">{item.title}</Text>
              <ItemButtons item={item} act={act} busy={busy} />
              {item.link && <ChatLink link={item.link} name={item.workloadName} review={item.kind === 'review'} open={open} />}
            </li>
          ))}
        </ul>
      )}
    </>
  );
}
