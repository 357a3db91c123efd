import { strict as assert } from 'node:assert';
import { bannerStyle, cardText, findAction, Harness, startHarness } from '../support/liftoff';
import { person, TENANT } from '../support/builders';
import { groupChat, teamChannel, teamsUserId, workloadIdIn } from '../support/teams';
import type { Workload } from '../../bot/release/model';

describe('Liftoff over HTTP, end to end', () => {
  let h: Harness;
  const priya = person('Priya Project');
  const miguel = person('Miguel Engineer');
  const olga = person('Olga Outsider');
  const team = teamChannel('payroll');

  before(async () => {
    h = await startHarness();
    // In a team, Teams answers the roster of the whole team.
    h.fake.setRoster(
      team.teamId!,
      [priya, miguel, olga].map((p) => ({ id: teamsUserId(p), name: p.name, aadObjectId: p.aadObjectId, tenantId: TENANT })),
    );
  });
  after(() => h.close());

  const stored = async (workloadId: string): Promise<Workload> => {
    const { resource } = await h.app.cosmos.workloads.item(workloadId, workloadId).read<Workload>();
    assert.ok(resource, `workload ${workloadId} is stored`);
    return resource;
  };

  // Each spec makes its own workload and brings it to the state it is about, so that it runs alone.
  const create = async (name: string): Promise<string> => {
    assert.match(cardText(await h.say(h.activities.message(priya, `new ${name}`, team))), new RegExp(`Created ${name}`));
    return workloadIdIn(team, name.toLowerCase().replace(/[^a-z0-9]+/g, '-'));
  };
  const withEngineer = async (name: string): Promise<string> => {
    const workloadId = await create(name);
    const { rolesRev } = await stored(workloadId);
    const res = await h.post(h.activities.execute(priya, 'roles.save', { workloadId, rolesRev, role: 'migrationEngineer', people: miguel.aadObjectId }, team));
    assert.match(cardText(res.body.value), /Roles saved: Migration engineer → /);
    return workloadId;
  };
  const passByEngineer = async (workloadId: string, gateId: string, note: string): Promise<void> => {
    const revs = Object.fromEntries((await stored(workloadId)).gates.map((g) => [g.id, g.rev]));
    const res = await h.post(h.activities.execute(miguel, 'gate.decide', { workloadId, decision: 'pass', revs, gateId, note }, team));
    assert.match(cardText(res.body.value), /Miguel Engineer passed/);
  };

  it('answers help with a card of what Liftoff does and buttons to start', async () => {
    const card = await h.say(h.activities.message(priya, 'help', team));
    assert.match(cardText(card), /carries each migrated workload through its release/);
    assert.equal(findAction(card, 'workload.create').verb, 'workload.create');
    assert.equal(findAction(card, 'workload.list').verb, 'workload.list');
  });

  it('answers an unknown command with a sentence and the help card', async () => {
    const card = await h.say(h.activities.message(priya, 'launch rockets', team));
    assert.match(cardText(card), /doesn't know "launch"/);
  });

  it('creates a workload from "new", making its creator the project manager', async () => {
    const card = await h.say(h.activities.message(priya, 'new Payroll API', team));
    assert.match(cardText(card), /Created Payroll API\. You are its project manager/);
    const workload = await stored(workloadIdIn(team, 'payroll-api'));
    assert.deepEqual(workload.roles.projectManager, [{ aadObjectId: priya.aadObjectId, name: priya.name }]);
    assert.equal(workload.scope.scopeId, team.teamId);
  });

  it('refuses a duplicate name and a bad name with a sentence, changing nothing', async () => {
    const workloadId = await create('Payroll Ledger');
    const dup = await h.say(h.activities.message(olga, 'new payroll ledger', team));
    assert.match(cardText(dup), /A workload named "Payroll Ledger" already exists/);
    assert.deepEqual((await stored(workloadId)).createdBy.aadObjectId, priya.aadObjectId);
    const bad = await h.say(h.activities.message(olga, 'new !!!', team));
    assert.match(cardText(bad), /starts with a letter or digit/);
  });

  it('lists the workloads of this team only', async () => {
    await create('Payroll Listing');
    await h.say(h.activities.message(olga, 'new Elsewhere', groupChat('other')));
    const card = await h.say(h.activities.message(olga, 'list', team));
    const text = cardText(card);
    assert.match(text, /Payroll Listing/);
    assert.doesNotMatch(text, /Elsewhere/);
  });

  it('shows the release checklist with every stage, gate, owner role and the next step', async () => {
    await create('Payroll Checklist');
    const card = await h.say(h.activities.message(olga, 'status Payroll Checklist', team));
    const text = cardText(card);
    for (const stage of ['Staging', 'Change plan', 'Change communication', 'Business testing', 'Benchmark', 'Readiness for production', 'Promotion', 'Decommission', 'Retrospective']) {
      assert.match(text, new RegExp(stage));
    }
    assert.match(text, /Assets replicated and staged/);
    assert.match(text, /Migration engineer: nobody assigned/);
    assert.match(text, /Next step\n.*Assets replicated and staged/);
  });

  it('answers status for an unknown workload with a sentence', async () => {
    const card = await h.say(h.activities.message(olga, 'status Nope', team));
    assert.match(cardText(card), /There is no workload named "Nope"/);
  });

  it('shows a roles card with the roster, and the project manager assigns a role from it', async () => {
    const workloadId = await create('Payroll Roles');
    const rolesCard = await h.say(h.activities.message(priya, 'roles Payroll Roles', team));
    assert.match(cardText(rolesCard), /Roles for Payroll Roles/);
    assert.match(JSON.stringify(rolesCard), new RegExp(miguel.aadObjectId));
    const save = findAction(rolesCard, 'roles.save');
    const res = await h.post(h.activities.execute(priya, 'roles.save', { ...save.data, role: 'migrationEngineer', people: miguel.aadObjectId }, team));
    assert.equal(res.status, 200);
    assert.equal(res.body.statusCode, 200);
    assert.match(cardText(res.body.value), /Roles saved: Migration engineer → Miguel Engineer\./);
    const workload = await stored(workloadId);
    assert.deepEqual(
      workload.roles.migrationEngineer.map((p) => p.aadObjectId),
      [miguel.aadObjectId],
    );
  });

  it('refuses role changes from someone who is not the project manager', async () => {
    const workload = await stored(await create('Payroll Outsider'));
    const res = await h.post(h.activities.execute(olga, 'roles.save', { workloadId: workload.workloadId, rolesRev: workload.rolesRev, role: 'ciso', people: olga.aadObjectId }, team));
    assert.match(cardText(res.body.value), /Only the project manager of this workload can assign roles/);
    assert.equal((await stored(workload.workloadId)).rolesRev, workload.rolesRev);
  });

  it('refuses people who are not members of the conversation', async () => {
    const workload = await stored(await create('Payroll Members'));
    const res = await h.post(h.activities.execute(priya, 'roles.save', { workloadId: workload.workloadId, rolesRev: workload.rolesRev, role: 'ciso', people: 'not-a-member' }, team));
    assert.match(cardText(res.body.value), /Pick people who are members of this conversation/);
    assert.equal((await stored(workload.workloadId)).roles.ciso.length, 0);
  });

  it('lets the gate owner pass a gate from the checklist card, with evidence, and updates the card for everyone', async () => {
    const workloadId = await withEngineer('Payroll Gate');
    const checklist = await h.say(h.activities.message(miguel, 'status Payroll Gate', team));
    const pass = findAction(checklist, 'gate.decide', { decision: 'pass' });
    const before = h.fake.lastSeq;
    const res = await h.post(h.activities.execute(miguel, 'gate.decide', { ...pass.data, gateId: 'assets-staged', note: 'https://contoso.example/runbooks/42' }, team, 'checklist-msg-1'));
    assert.equal(res.body.type, 'application/vnd.microsoft.card.adaptive');
    const text = cardText(res.body.value);
    assert.match(text, /Miguel Engineer passed "Assets replicated and staged"/);
    assert.match(text, /Evidence: https:\/\/contoso\.example\/runbooks\/42/);
    assert.match(text, /Next step\n.*Business change plan shared/);
    const gate = (await stored(workloadId)).gates.find((g) => g.id === 'assets-staged');
    assert.equal(gate?.status, 'passed');
    assert.equal(gate?.decidedBy?.aadObjectId, miguel.aadObjectId);
    const update = await h.fake.waitFor((r) => r.seq > before && r.kind === 'update' && r.activityId === 'checklist-msg-1');
    assert.match(JSON.stringify(update.activity), /Miguel Engineer passed/);
  });

  it('refuses a gate decision from someone without the owner role, and changes nothing', async () => {
    const workload = await stored(await withEngineer('Payroll Owner Role'));
    const rev = workload.gates.find((g) => g.id === 'change-plan-shared')!.rev;
    const res = await h.post(
      h.activities.execute(olga, 'gate.decide', { workloadId: workload.workloadId, decision: 'pass', revs: { 'change-plan-shared': rev }, gateId: 'change-plan-shared', note: '' }, team),
    );
    assert.match(cardText(res.body.value), /Only someone holding the Change manager role can pass/);
    assert.equal((await stored(workload.workloadId))._etag, workload._etag);
  });

  it('lets only the project manager or business owner waive, and only with a reason', async () => {
    const workload = await stored(await withEngineer('Payroll Waiver'));
    const revs = Object.fromEntries(workload.gates.map((g) => [g.id, g.rev]));
    const noReason = await h.post(h.activities.execute(priya, 'gate.decide', { workloadId: workload.workloadId, decision: 'waive', revs, gateId: 'performance-benchmarked', note: '' }, team));
    assert.match(cardText(noReason.body.value), /a waiver needs a reason/);
    const byEngineer = await h.post(h.activities.execute(miguel, 'gate.decide', { workloadId: workload.workloadId, decision: 'waive', revs, gateId: 'user-routing', note: 'internal only' }, team));
    assert.match(cardText(byEngineer.body.value), /Only the project manager or the business owner can waive/);
    const waived = await h.post(
      h.activities.execute(priya, 'gate.decide', { workloadId: workload.workloadId, decision: 'waive', revs, gateId: 'performance-benchmarked', note: 'Same SKU as on-premises' }, team),
    );
    assert.match(cardText(waived.body.value), /Priya Project waived "Performance measured, sizing decided"/);
    assert.equal((await stored(workload.workloadId)).gates.find((g) => g.id === 'performance-benchmarked')?.status, 'waived');
  });

  it('refuses promotion while earlier gates are open', async () => {
    const workload = await stored(await withEngineer('Payroll Promotion'));
    const revs = Object.fromEntries(workload.gates.map((g) => [g.id, g.rev]));
    const res = await h.post(h.activities.execute(miguel, 'gate.decide', { workloadId: workload.workloadId, decision: 'pass', revs, gateId: 'traffic-rerouted', note: 'DNS switched' }, team));
    assert.match(cardText(res.body.value), /can't be passed while earlier gates are open/);
    assert.equal((await stored(workload.workloadId)).gates.find((g) => g.id === 'traffic-rerouted')?.status, 'pending');
  });

  it('has the effect of one when the same invoke is delivered twice', async () => {
    const workload = await stored(await withEngineer('Payroll Retry'));
    const revs = Object.fromEntries(workload.gates.map((g) => [g.id, g.rev]));
    const invoke = h.activities.execute(miguel, 'gate.decide', { workloadId: workload.workloadId, decision: 'pass', revs, gateId: 'assets-staged', note: 'replication healthy' }, team);
    const first = await h.post(invoke);
    const second = await h.post(invoke);
    assert.deepEqual(second.body, first.body, 'a retried invoke answers with the same card');
    const events = await h.app.cosmos.workloads.items
      .query(
        { query: 'SELECT * FROM c WHERE c.type = "event" AND c.gateId = "assets-staged" AND c.workloadId = @w', parameters: [{ name: '@w', value: workload.workloadId }] },
        { partitionKey: workload.workloadId },
      )
      .fetchAll();
    assert.equal(events.resources.length, 1, 'one audit event');
    const gate = (await stored(workload.workloadId)).gates.find((g) => g.id === 'assets-staged');
    assert.equal(gate?.rev, 2);
  });

  it('answers a stale card with the current truth and changes nothing', async () => {
    const workloadId = await withEngineer('Payroll Stale');
    await passByEngineer(workloadId, 'assets-staged', 'https://contoso.example/runbooks/42');
    const workload = await stored(workloadId);
    const res = await h.post(
      h.activities.execute(priya, 'gate.decide', { workloadId: workload.workloadId, decision: 'fail', revs: { 'assets-staged': 1 }, gateId: 'assets-staged', note: 'broken' }, team),
    );
    assert.match(cardText(res.body.value), /"Assets replicated and staged" is already passed by Miguel Engineer on .+ UTC: https:\/\/contoso\.example\/runbooks\/42; yours was not recorded/);
    assert.equal(bannerStyle(res.body.value), 'attention');
    assert.equal((await stored(workload.workloadId))._etag, workload._etag);
  });

  it('answers malformed card data with a typed error and a sentence, changing nothing', async () => {
    const workload = await stored(await create('Payroll Malformed'));
    const res = await h.post(h.activities.execute(priya, 'gate.decide', { workloadId: workload.workloadId, decision: 'obliterate', revs: 'all' }, team));
    assert.equal(res.status, 200);
    assert.equal(res.body.statusCode, 400);
    assert.equal(res.body.type, 'application/vnd.microsoft.error');
    assert.match(res.body.value.message, /This card is damaged or out of date, so nothing was changed/);
    assert.doesNotMatch(JSON.stringify(res.body), /at .*\.ts:\d+|Error:|ZodError/);
    assert.equal((await stored(workload.workloadId))._etag, workload._etag);
  });

  it('answers an unknown verb with a typed error and a sentence', async () => {
    const res = await h.post(h.activities.execute(priya, 'gate.obliterate', { workloadId: 'x' }, team));
    assert.equal(res.body.statusCode, 400);
    assert.match(res.body.value.message, /doesn't know the action "gate\.obliterate"/);
  });

  it('does not let card data reach a workload of another tenant', async () => {
    const workload = await stored(await create('Payroll Tenant'));
    const foreign = { ...team, tenantId: '11111111-2222-3333-4444-555555555555' };
    const res = await h.post(h.activities.execute(priya, 'workload.status', { workloadId: workload.workloadId }, foreign));
    assert.match(cardText(res.body.value), /no longer exists or is not part of your organization/);
  });

  it('shows the history, newest first', async () => {
    // User routing passes with its evidence form now (test/e2e/evidence.test.ts); staging still passes on a note.
    await passByEngineer(await withEngineer('Payroll History'), 'assets-staged', 'replication healthy');
    const card = await h.say(h.activities.message(olga, 'history Payroll History', team));
    const text = cardText(card);
    assert.match(text, /History of Payroll History/);
    assert.match(text, /passed "Assets replicated and staged"/);
    assert.ok(text.indexOf('passed "Assets replicated and staged"') < text.indexOf('created Payroll History'));
  });

  it('creates a workload from the help card button', async () => {
    const res = await h.post(h.activities.execute(olga, 'workload.create', { name: 'Data Lake' }, groupChat('lake')));
    assert.match(cardText(res.body.value), /Created Data Lake/);
    await stored(workloadIdIn(groupChat('lake'), 'data-lake'));
  });

  it('answers GET /healthz with 200 while Cosmos answers', async () => {
    const res = await fetch(`${h.app.url}/healthz`);
    assert.equal(res.status, 200);
  });

  it('answers a body that is not an activity with 400', async () => {
    const res = await h.post({ hello: 'world' });
    assert.equal(res.status, 400);
  });
});

describe('a link typed by one person, on the cards everyone sees, over HTTP', () => {
  let h: Harness;
  const priya = person('Priya Project');
  const miguel = person('Miguel Engineer');
  const team = teamChannel('links');
  const workloadId = workloadIdIn(team, 'payroll-api');

  before(async () => {
    h = await startHarness();
    h.fake.setRoster(
      team.teamId!,
      [priya, miguel].map((p) => ({ id: teamsUserId(p), name: p.name, aadObjectId: p.aadObjectId, tenantId: TENANT })),
    );
    await h.say(h.activities.message(priya, 'new Payroll API', team));
    const { resource } = await h.app.cosmos.workloads.item(workloadId, workloadId).read<Workload>();
    const roles = findAction(await h.say(h.activities.message(priya, 'roles Payroll API', team)), 'roles.save');
    await h.post(h.activities.execute(priya, 'roles.save', { ...roles.data, rolesRev: resource!.rolesRev, role: 'migrationEngineer', people: miguel.aadObjectId }, team));
  });
  after(() => h.close());

  it('shows the real target of a disguised link passed as gate evidence, in the checklist and the history', async () => {
    const pass = findAction(await h.say(h.activities.message(miguel, 'status Payroll API', team)), 'gate.decide', { decision: 'pass' });
    const res = await h.post(h.activities.execute(miguel, 'gate.decide', { ...pass.data, gateId: 'assets-staged', note: 'Runbook: [https://portal.azure.com](https://evil.test)' }, team));
    assert.match(cardText(res.body.value), /Miguel Engineer passed "Assets replicated and staged"/);
    for (const command of ['status Payroll API', 'history Payroll API']) {
      const card = await h.say(h.activities.message(priya, command, team));
      assert.match(cardText(card), /https:\/\/portal\.azure\.com \(https:\/\/evil\.test\)/, command);
      assert.doesNotMatch(JSON.stringify(card), /\]\(https:\/\/evil\.test/, `${command}: no link markup from the evidence`);
    }
  });
});
