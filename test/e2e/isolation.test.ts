import { strict as assert } from 'node:assert';
import type { Workload } from '../../bot/release/model';
import { person, TENANT } from '../support/builders';
import { cardText, findAction, Harness, startHarness } from '../support/liftoff';
import { groupChat, personalChat, Place, teamChannel, teamsUserId, workloadIdIn } from '../support/teams';
import { everyRoute } from '../support/routes';

/** Building the route tables calls no handler. */
const routes = everyRoute();
const workloadVerbs = Object.entries(routes.verbs)
  .filter(([, r]) => r.loadsWorkload)
  .map(([name]) => name);
const workloadCommands = Object.entries(routes.commands)
  .filter(([, r]) => r.resolvesWorkload)
  .map(([name]) => name);

const priya = person('Priya PM');
const bea = person('Bea Owner');
const tom = person('Tom Teammate');
const eve = person('Eve Elsewhere');
const dan = person('Dan Chat');

const alpha = teamChannel('alpha');
const beta = teamChannel('beta');
const secretChat = groupChat('secret');

/** What a person who may not see a workload is told: exactly what they would be told if it did not exist. */
const NOTHING = /There is no workload named "[^"]+" here|That workload no longer exists or is not part of your organization/;

/** Card data that passes as many verb schemas as possible, so the scope check itself is what answers. */
function plausibleData(workloadId: string): Record<string, unknown> {
  return {
    workloadId,
    cycleId: 'uat-1',
    retroId: 'retro-1',
    noticeId: 'payroll-api.abcdef',
    entryId: 'entry-1',
    actionId: 'action-1',
    decision: 'approve',
    choice: 'leave',
    gateId: 'assets-staged',
    revs: { 'assets-staged': 1 },
    rolesRev: 1,
    role: 'cloudOperations',
    people: eve.aadObjectId,
    rev: 1,
    reason: 'because',
    comment: 'ok',
    from: 'collect',
    into: 'entry-1',
    vote: 'add',
    noActions: 'true',
    title: 'Downtime',
    body: 'We move',
    kind: 'upcomingChange',
    here: 'true',
    testers: eve.aadObjectId,
    rule: 'all',
    rejection: 'failsCycle',
    dueDate: '2026-12-20',
    dueTime: '17:00',
    timeZone: 'UTC',
    template: 'caf',
    anonymous: 'false',
    deadlineDate: '2026-12-20',
    deadlineTime: '17:00',
    votes: 3,
    actionText: 'Do it',
    owner: eve.aadObjectId,
    due: '2026-12-30',
    windowId: 'window-1',
    stepId: 'final-sync',
    outcome: 'done',
    answer: 'go',
    op: 'edit',
    editStepId: 'final-sync',
    stepMinutes: '20',
    assetId: 'asset-1',
    to: 'monitored',
    lines: 'vm-01; VM; DC1; 10; Eve Elsewhere',
    planned: '100',
    actual: '90',
    pass: 'false',
  };
}

describe('a workload belongs to the team or chat it was created in', () => {
  let h: Harness;
  const payroll = workloadIdIn(alpha, 'payroll-api');
  const secret = workloadIdIn(secretChat, 'secret-plan');

  const members = (...people: Array<typeof priya>) => people.map((p) => ({ id: teamsUserId(p), name: p.name, aadObjectId: p.aadObjectId, tenantId: TENANT }));
  const everything = async (): Promise<unknown[]> => {
    const { resources } = await h.app.cosmos.workloads.items.query('SELECT * FROM c').fetchAll();
    return resources.map(({ _ts, _etag, _rid, _self, _attachments, ...rest }) => rest).sort((a, b) => String(a.id).localeCompare(String(b.id)));
  };
  const say = async (who: typeof priya, text: string, place: Place): Promise<string> => cardText(await h.say(h.activities.message(who, text, place)));
  const press = async (who: typeof priya, verb: string, data: Record<string, unknown>, place: Place) => h.post(h.activities.execute(who, verb, data, place));

  before(async () => {
    h = await startHarness();
    h.fake.setRoster(alpha.teamId!, members(priya, bea, tom));
    h.fake.setRoster(beta.teamId!, members(eve));
    h.fake.setRoster(secretChat.conversationId, members(dan));
    await say(priya, 'new Payroll API', alpha);
    const roles = findAction(await h.say(h.activities.message(priya, 'roles Payroll API', alpha)), 'roles.save');
    await press(priya, 'roles.save', { ...roles.data, role: 'businessOwner', people: bea.aadObjectId }, alpha);
    await say(dan, 'new Secret Plan', secretChat);
  });
  after(() => h.close());

  for (const command of workloadCommands) {
    it(`answers "${command} <name>" from another team as if the name did not exist, and changes nothing`, async () => {
      const before = await everything();
      const text = await say(eve, `${command} Payroll API`, beta);
      assert.match(text, NOTHING);
      assert.doesNotMatch(text, /Priya|Bea|Payroll API (is|has)|Checklist/);
      assert.match(await say(eve, `${command} Secret Plan`, personalChat(eve)), NOTHING);
      assert.deepEqual(await everything(), before);
    });
  }

  for (const verb of workloadVerbs) {
    it(`answers "${verb}" naming another team's workload by id with nothing about it, and changes nothing`, async () => {
      const before = await everything();
      for (const [workloadId, place] of [
        [payroll, beta],
        [payroll, personalChat(eve)],
        [secret, beta],
      ] as const) {
        const res = await press(eve, verb, { ...plausibleData(workloadId), ...(verb === 'gate.decide' || verb === 'gate.record' ? { decision: 'pass' } : {}) }, place);
        assert.equal(res.status, 200);
        const answer = res.body?.value;
        if (res.body?.type !== 'application/vnd.microsoft.card.adaptive') {
          assert.fail(`${verb}: the card data should pass its schema, so that the scope check is what answers (${JSON.stringify(res.body.value)})`);
        } else {
          assert.match(cardText(answer), NOTHING, `${verb} from ${place.conversationId}`);
        }
      }
      assert.deepEqual(await everything(), before);
    });
  }

  describe('the role × verb × team matrix', () => {
    const otherTenant = { ...beta, tenantId: '0d2b1f5e-8c7a-4e55-9d1c-3a9f7b2e6c10' };
    /** Who asks, from where, and whether they may see team alpha's workload. */
    const viewers = [
      { who: priya, place: alpha, label: 'its project manager in its channel', sees: true },
      { who: tom, place: alpha, label: 'a member without a role in its channel', sees: true },
      { who: tom, place: personalChat(tom), label: 'a member without a role in a personal chat (Teams lists him)', sees: true },
      { who: bea, place: personalChat(bea), label: 'its business owner in a personal chat, not in the roster', sees: true },
      { who: eve, place: beta, label: 'someone of another team of the tenant', sees: false },
      { who: eve, place: personalChat(eve), label: 'someone of the tenant in a personal chat', sees: false },
      { who: eve, place: otherTenant, label: 'someone of another tenant', sees: false },
    ];
    for (const viewer of viewers) {
      it(`${viewer.sees ? 'lets' : 'refuses'} ${viewer.label} ${viewer.sees ? 'reach' : 'anything of'} the workload through every workload verb`, async () => {
        // The business owner is not in the team's roster: only her role lets her in.
        h.fake.setRoster(alpha.teamId!, members(priya, tom));
        try {
          const before = viewer.sees ? [] : await everything();
          for (const verb of workloadVerbs) {
            const res = await press(viewer.who, verb, { ...plausibleData(payroll), ...(verb === 'gate.decide' || verb === 'gate.record' ? { decision: 'pass' } : {}) }, viewer.place);
            assert.equal(res.status, 200, verb);
            assert.equal(res.body?.type, 'application/vnd.microsoft.card.adaptive', `${verb}: ${JSON.stringify(res.body?.value)}`);
            if (viewer.sees) assert.doesNotMatch(cardText(res.body.value), NOTHING, `${verb} for ${viewer.label}`);
            else assert.match(cardText(res.body.value), NOTHING, `${verb} for ${viewer.label}`);
          }
          if (!viewer.sees) assert.deepEqual(await everything(), before);
        } finally {
          h.fake.setRoster(alpha.teamId!, members(priya, bea, tom));
        }
      });
    }
  });

  it('lets a member of the team without a role read it from their personal chat, because Teams lists them', async () => {
    assert.match(await say(tom, 'status Payroll API', personalChat(tom)), /Payroll API/);
    assert.doesNotMatch(await say(tom, 'status Payroll API', personalChat(tom)), NOTHING);
  });

  it('lets a role holder work from their personal chat', async () => {
    h.fake.setRoster(alpha.teamId!, members(priya, tom));
    try {
      const text = await say(bea, 'status Payroll API', personalChat(bea));
      assert.doesNotMatch(text, NOTHING);
      const res = await press(bea, 'workload.status', { workloadId: payroll }, personalChat(bea));
      assert.doesNotMatch(cardText(res.body.value), NOTHING);
    } finally {
      h.fake.setRoster(alpha.teamId!, members(priya, bea, tom));
    }
  });

  it('keeps names unique per team or chat: the same name in another team is a new workload of that team', async () => {
    const text = await say(eve, 'new Payroll API', beta);
    assert.match(text, /Created Payroll API/);
    const own = (await h.app.cosmos.workloads.item(workloadIdIn(beta, 'payroll-api'), workloadIdIn(beta, 'payroll-api')).read<Workload>()).resource;
    assert.equal(own?.scope.scopeId, beta.teamId);
    const theirs = (await h.app.cosmos.workloads.item(payroll, payroll).read<Workload>()).resource;
    assert.deepEqual(
      theirs?.roles.projectManager.map((p) => p.name),
      [priya.name],
      "team alpha's workload is untouched",
    );
    // Each team sees its own.
    assert.match(await say(priya, 'roles Payroll API', alpha), /Bea Owner/);
    assert.doesNotMatch(await say(eve, 'roles Payroll API', beta), /Bea Owner|Priya/);
  });

  it('lists only the workloads of this team or chat', async () => {
    const text = await say(eve, 'list', beta);
    assert.doesNotMatch(text, /Secret Plan/);
    assert.match(await say(dan, 'list', secretChat), /Secret Plan/);
  });

  it('answers the verbs of its own team as usual (the check is not a blanket refusal)', async () => {
    for (const verb of ['workload.status', 'roles.show', 'history.show', 'signoff.form', 'notice.compose', 'retro.new', 'decommission.show', 'costreview.show']) {
      const res = await press(priya, verb, { workloadId: payroll }, alpha);
      assert.doesNotMatch(cardText(res.body.value), NOTHING, verb);
    }
  });
});
