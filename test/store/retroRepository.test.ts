import { strict as assert } from 'node:assert';
import type { RetroAction, RetroBallot } from '../../bot/retro/model';
import { ballotId, castVote } from '../../bot/retro/rules';
import type { Retro } from '../../bot/retro/model';
import { CosmosStore } from '../../bot/store/cosmos';
import { CosmosRetroRepository } from '../../bot/store/retroRepository';
import { embeddedStore } from '../support/cosmos';
import { NOW, person, TENANT } from '../support/builders';

describe('CosmosRetroRepository on the embedded Cosmos server', () => {
  let store: CosmosStore;
  let repo: CosmosRetroRepository;
  const pm = person('Priya');

  before(async () => {
    store = await embeddedStore();
    repo = new CosmosRetroRepository(store.workloads);
  });
  after(() => store.close());

  const retro = (workloadId: string): Retro => ({
    id: `${workloadId}:retro-1`,
    retroId: `${workloadId}:retro-1`,
    workloadId,
    type: 'retro',
    tenantId: TENANT,
    scopeId: 'team-a',
    workloadName: workloadId,
    number: 1,
    template: 'caf',
    questions: [{ id: 'well', text: 'What went well?' }],
    anonymous: true,
    deadline: { at: '2026-11-27T16:00:00.000Z', timeZone: 'Europe/Paris', local: '2026-11-27 17:00' },
    votesPerPerson: 3,
    facilitator: pm,
    phase: 'vote',
    rev: 3,
    channel: { conversationId: 'c', serviceUrl: 'https://example.test/', tenantId: TENANT, reference: {} },
    viewers: [],
    createdAt: NOW,
  });

  it('keeps one ballot per voter within the vote limit when 20 votes arrive at once', async () => {
    const r = retro('w-ballots');
    assert.equal(await repo.createRetro(r), 'created');
    assert.equal(await repo.createRetro(r), 'exists');
    const votable = new Set(Array.from({ length: 20 }, (_, i) => `e${i}`));
    const results = await Promise.all(
      [...votable].map((entryId) => repo.changeBallot(r.workloadId, ballotId(r.retroId, 'voter'), (current) => castVote(r, current, { entryId, vote: 'add', voterKey: 'voter', votable, now: NOW }))),
    );
    assert.equal(results.filter((x) => x.kind === 'changed').length, 3);
    const ballots: RetroBallot[] = await repo.ballotsOf(r.workloadId, r.retroId);
    assert.equal(ballots.length, 1);
    assert.equal(ballots[0]?.entryIds.length, 3);
  });

  it('finds the open action items of one team across the partitions of its workloads', async () => {
    const action = (workloadId: string, n: number, extra: Partial<RetroAction> = {}): RetroAction => ({
      id: `${workloadId}:a${n}`,
      workloadId,
      type: 'action',
      retroId: `${workloadId}:retro-1`,
      tenantId: TENANT,
      scopeId: 'team-a',
      workloadName: workloadId,
      text: `Action ${n}`,
      owner: pm,
      due: `2026-12-0${n}`,
      target: { kind: 'wave', name: 'Wave 2' },
      status: 'open',
      facilitator: pm,
      createdAt: NOW,
      ...extra,
    });
    await repo.addAction(action('w1', 2));
    await repo.addAction(action('w2', 1));
    await repo.addAction(action('w2', 3, { status: 'done' }));
    await repo.addAction(action('w3', 4, { scopeId: 'team-b' }));
    assert.equal(await repo.addAction(action('w1', 2)), 'exists');
    const open = await repo.openActionsOf(TENANT, 'team-a');
    assert.deepEqual(
      open.map((a) => a.text),
      ['Action 1', 'Action 2'],
      'open ones of team a, soonest due first',
    );
  });
});
