import { strict as assert } from 'node:assert';
import { Harness, startHarness } from '../support/liftoff';
import { person } from '../support/builders';
import { teamChannel, workloadIdIn } from '../support/teams';

const priya = person('Priya Project');
const team = teamChannel('payroll');
const workloadId = workloadIdIn(team, 'payroll-api');
const retro = { workloadId, retroId: 'retro-1' };
const notice = { workloadId, noticeId: 'payroll-api.abc123' };

/** Ids Cosmos DB refuses (they end up in the request path), a control character, and one too long. */
const BAD_IDS = ['payroll/api', 'payroll\\api', 'payroll#api', 'payroll?api', 'payroll\u0007api', 'x'.repeat(256)];

/** Every verb whose card data names a document, with valid data and the fields that carry an id. */
const VERBS: Array<{ verb: string; data: Record<string, unknown>; ids: string[] }> = [
  { verb: 'workload.status', data: { workloadId }, ids: ['workloadId'] },
  { verb: 'roles.show', data: { workloadId }, ids: ['workloadId'] },
  { verb: 'history.show', data: { workloadId }, ids: ['workloadId'] },
  { verb: 'gate.decide', data: { workloadId, decision: 'pass', revs: { 'assets-staged': 1 }, gateId: 'assets-staged', note: 'staged' }, ids: ['workloadId', 'gateId'] },
  { verb: 'roles.save', data: { workloadId, rolesRev: 1, role: 'changeManager', people: '' }, ids: ['workloadId'] },
  { verb: 'signoff.form', data: { workloadId }, ids: ['workloadId'] },
  { verb: 'signoff.remind', data: { workloadId }, ids: ['workloadId'] },
  { verb: 'signoff.open', data: { workloadId }, ids: ['workloadId'] },
  { verb: 'signoff.decide', data: { workloadId, cycleId: 'uat-1', decision: 'approve' }, ids: ['workloadId', 'cycleId'] },
  { verb: 'signoff.final', data: { workloadId, cycleId: 'uat-1', decision: 'approve' }, ids: ['workloadId', 'cycleId'] },
  { verb: 'signoff.cancel', data: { workloadId, cycleId: 'uat-1', reason: 'wrong testers' }, ids: ['workloadId', 'cycleId'] },
  { verb: 'signoff.view', data: { workloadId, cycleId: 'uat-1' }, ids: ['workloadId', 'cycleId'] },
  { verb: 'retro.new', data: { workloadId }, ids: ['workloadId'] },
  { verb: 'retro.start', data: { workloadId }, ids: ['workloadId'] },
  { verb: 'retro.view', data: retro, ids: ['workloadId', 'retroId'] },
  { verb: 'retro.gate', data: retro, ids: ['workloadId', 'retroId'] },
  { verb: 'retro.remind', data: retro, ids: ['workloadId', 'retroId'] },
  { verb: 'retro.entry.add', data: { ...retro, q_well: 'Good runbook' }, ids: ['workloadId', 'retroId'] },
  { verb: 'retro.entry.edit', data: { ...retro, entryId: 'entry-1', text: 'Better runbook' }, ids: ['entryId'] },
  { verb: 'retro.entry.delete', data: { ...retro, entryId: 'entry-1' }, ids: ['entryId'] },
  { verb: 'retro.phase', data: { ...retro, from: 'collect' }, ids: ['retroId'] },
  { verb: 'retro.merge', data: { ...retro, into: 'entry-1', from: 'entry-2,entry-3' }, ids: ['into', 'from'] },
  { verb: 'retro.vote', data: { ...retro, entryId: 'entry-1', vote: 'add' }, ids: ['entryId'] },
  { verb: 'retro.action.add', data: { ...retro, actionText: 'Automate DNS', targetWorkload: workloadId }, ids: ['targetWorkload'] },
  { verb: 'retro.close', data: retro, ids: ['retroId'] },
  { verb: 'retro.action.done', data: { workloadId, actionId: 'action-1' }, ids: ['workloadId', 'actionId'] },
  { verb: 'notice.compose', data: { workloadId }, ids: ['workloadId'] },
  { verb: 'notice.preview', data: { ...notice, kind: 'general', title: 'T', body: 'B', channels: '19:releases@thread.tacv2', teams: '' }, ids: ['workloadId', 'noticeId', 'channels', 'teams'] },
  ...['notice.edit', 'notice.approve', 'notice.discard', 'notice.progress', 'notice.cancel', 'notice.resend', 'notice.recall', 'notice.remind', 'notice.ack'].map((verb) => ({
    verb,
    data: notice,
    ids: ['workloadId', 'noticeId'],
  })),
  { verb: 'notice.send', data: { ...notice, rev: 1 }, ids: ['noticeId'] },
  { verb: 'notice.update', data: { ...notice, rev: 1, kind: 'general', title: 'T', body: 'B' }, ids: ['noticeId'] },
];

/** A field set to a bad id; a list field gets it among good ones, a record's key is the id. */
function withBadId(data: Record<string, unknown>, field: string, bad: string): Record<string, unknown> {
  if (field === 'from' || field === 'channels') return { ...data, [field]: `entry-2,${bad}` };
  if (field === 'gateId') return { ...data, gateId: bad, revs: { ...(data.revs as object), [bad]: 1 } };
  return { ...data, [field]: bad };
}

describe('ids in card data that Cosmos DB would refuse, over HTTP', () => {
  let h: Harness;
  const everything = async () => {
    const all = await Promise.all(
      [h.app.cosmos.workloads, h.app.cosmos.conversations, h.app.cosmos.broadcast].map((c) => c.items.query<{ id: string; _etag: string }>('SELECT c.id, c._etag FROM c').fetchAll()),
    );
    return all.flatMap((r) => r.resources.map((d) => `${d.id} ${d._etag}`)).sort();
  };

  before(async () => {
    h = await startHarness();
    await h.say(h.activities.message(priya, 'new Payroll API', team));
  });
  after(() => h.close());

  it('answers every id-bearing verb with the typed "damaged or out of date" error, and changes nothing', async () => {
    const before = await everything();
    for (const { verb, data, ids } of VERBS) {
      for (const field of ids) {
        for (const bad of BAD_IDS) {
          const res = await h.post(h.activities.execute(priya, verb, withBadId(data, field, bad), team));
          const where = `${verb} with ${field} = ${JSON.stringify(bad.slice(0, 20))}`;
          assert.equal(res.status, 200, where);
          assert.equal(res.body?.statusCode, 400, `${where}: ${JSON.stringify(res.body).slice(0, 200)}`);
          assert.equal(res.body.type, 'application/vnd.microsoft.error', where);
          assert.match(res.body.value.message, /This card is damaged or out of date, so nothing was changed/, where);
        }
      }
    }
    assert.deepEqual(await everything(), before, 'no document was written');
  });

  it('still takes a good id with spaces around it', async () => {
    const res = await h.post(h.activities.execute(priya, 'workload.status', { workloadId: `  ${workloadId} ` }, team));
    assert.equal(res.status, 200);
    assert.equal(res.body.statusCode, 200);
    assert.match(JSON.stringify(res.body.value), /Payroll API/);
  });
});
