import { strict as assert } from 'node:assert';
import { findAction, Harness, recordingLogger, startHarness } from '../support/liftoff';
import { downtime, person, TENANT } from '../support/builders';
import { personalChat, teamChannel, teamsUserId, workloadIdIn } from '../support/teams';
import type { Delivery, Notice } from '../../bot/broadcast/model';
import type { Workload } from '../../bot/release/model';

/** A page far smaller than the audience, so the notice needs several pages both to fan out and to send. */
const PAGE = 4;
const READERS = 11;

describe('a notice to an audience larger than a page, over HTTP', () => {
  let h: Harness;
  let lines: Record<string, unknown>[];
  const priya = person('Priya Project');
  const chloe = person('Chloe Change');
  const readers = Array.from({ length: READERS }, (_, i) => person(`Reader ${i}`));
  const team = teamChannel('payroll');

  before(async () => {
    const recording = recordingLogger();
    lines = recording.lines;
    h = await startHarness(
      { BROADCAST_PAGE_SIZE: String(PAGE), BROADCAST_RATE_PER_SECOND: '500', BROADCAST_LEASE_SECONDS: '1', BROADCAST_PROGRESS_SECONDS: '0.2', BROADCAST_RETRY_BASE_MS: '5' },
      { log: recording.log },
    );
    h.fake.setRoster(
      team.teamId!,
      [priya, chloe].map((p) => ({ id: teamsUserId(p), name: p.name, aadObjectId: p.aadObjectId, tenantId: TENANT })),
    );
    await h.post(h.activities.installation(priya, 'add', team));
    for (const reader of readers) await h.post(h.activities.installation(reader, 'add', personalChat(reader)));
    await h.say(h.activities.message(priya, 'new Payroll API', team));
    const workloadId = workloadIdIn(team, 'payroll-api');
    const { resource } = await h.app.cosmos.workloads.item(workloadId, workloadId).read<Workload>();
    const roles = findAction(await h.say(h.activities.message(priya, 'roles Payroll API', team)), 'roles.save');
    await h.post(h.activities.execute(priya, 'roles.save', { ...roles.data, rolesRev: resource!.rolesRev, role: 'changeManager', people: chloe.aadObjectId }, team));
  });
  after(() => h.close());

  async function sendToEveryone(): Promise<{ noticeId: string; workloadId: string }> {
    const compose = findAction(await h.say(h.activities.message(chloe, 'notify Payroll API', team)), 'notice.preview');
    const preview = (await h.post(h.activities.execute(chloe, 'notice.preview', { ...compose.data, ...downtime, everyone: 'true' }, team))).body.value;
    const send = findAction(preview, 'notice.send');
    await h.post(h.activities.execute(chloe, 'notice.send', send.data, team, 'paging-preview'));
    return { noticeId: String(compose.data.noticeId), workloadId: String(compose.data.workloadId) };
  }

  async function settledDeliveries(workloadId: string, noticeId: string): Promise<Delivery[]> {
    const deadline = Date.now() + 15_000;
    for (;;) {
      const notice = (await h.app.cosmos.workloads.item(noticeId, workloadId).read<Notice>()).resource;
      if (notice?.status === 'sent' && notice.settledRev === notice.rev) {
        const query = 'SELECT * FROM c WHERE c.workloadId = @w AND c.type = "delivery" AND c.noticeId = @n';
        const parameters = [
          { name: '@w', value: workloadId },
          { name: '@n', value: noticeId },
        ];
        return (await h.app.cosmos.workloads.items.query<Delivery>({ query, parameters }, { partitionKey: workloadId }).fetchAll()).resources;
      }
      if (Date.now() > deadline) throw new Error(`notice ${noticeId} did not settle`);
      await new Promise((r) => setTimeout(r, 50));
    }
  }

  it('fans out and sends a page at a time: everyone once, never more than a page of deliveries held', async () => {
    const { noticeId, workloadId } = await sendToEveryone();
    const deliveries = await settledDeliveries(workloadId, noticeId);

    assert.equal(deliveries.length, READERS, 'one delivery per reader');
    assert.deepEqual(new Set(deliveries.map((d) => d.status)), new Set(['sent']));
    for (const reader of readers) {
      const sends = h.fake.sentTo(`a:personal-${reader.aadObjectId}`).filter((r) => r.kind === 'send' && JSON.stringify(r.activity).includes(noticeId));
      assert.equal(sends.length, 1, `${reader.name} got the notice once`);
    }

    const ofNotice = (event: string) => lines.filter((l) => l.event === event && l.noticeId === noticeId);
    const audiencePages = ofNotice('broadcast.audience_page').map((l) => Number(l.recipients));
    assert.ok(audiencePages.length >= Math.ceil(READERS / PAGE), `the audience was read in pages: ${JSON.stringify(audiencePages)}`);
    assert.ok(
      audiencePages.every((n) => n <= PAGE),
      `no audience page above ${PAGE}: ${JSON.stringify(audiencePages)}`,
    );
    assert.equal(
      audiencePages.reduce((a, b) => a + b, 0),
      READERS,
    );

    const reads = ofNotice('broadcast.page_read').map((l) => ({ limit: Number(l.limit), read: Number(l.read), held: Number(l.held) }));
    assert.ok(reads.filter((r) => r.read > 0).length >= Math.ceil(READERS / PAGE), `the deliveries were read in pages: ${JSON.stringify(reads)}`);
    assert.ok(
      reads.every((r) => r.limit <= PAGE && r.read <= r.limit && r.held <= PAGE),
      `never more than a page asked for or held: ${JSON.stringify(reads)}`,
    );
    assert.ok(h.app.sender.stats.heldPeak <= PAGE, `the sender held at most a page: ${h.app.sender.stats.heldPeak}`);
  });
});
