import { burst, startLoadClient } from './burst';
/**
 * Business-test sign-off under load: `npm run bench:signoff`.
 *
 * The real Liftoff server on the embedded Cosmos DB, with a fake Bot Connector. A cycle with 200
 * testers; 200 approvals fired at once over HTTP plus 50 repeats of approvals already sent (the same
 * activity posted again, as a client retry does); in the same run, 200 minimal echo turns (`help`,
 * answered with a card sent through the connector) fired at once through the same server.
 * The last line printed is one JSON object with the figures.
 */
import { strict as assert } from 'node:assert';
import os from 'node:os';
import { startLiftoff } from '../../bot/app';
import { readConfig } from '../../bot/config';
import { createLogger } from '../../bot/log';
import type { Person } from '../../bot/release/model';
import type { SignoffCycle } from '../../bot/signoff/model';
import { person, TENANT } from '../support/builders';
import { startFakeConnector } from '../support/fakeConnector';
import { cardText, findAction } from '../support/liftoff';
import { inPartition } from '../support/partition';
import { ActivityFactory, teamChannel, teamsUserId, workloadIdIn } from '../support/teams';

const VOTERS = Number(process.env.BENCH_VOTERS ?? 200);
const REPEATS = Number(process.env.BENCH_REPEATS ?? 50);
const ECHOES = Number(process.env.BENCH_ECHOES ?? 200);

function percentile(sorted: number[], p: number): number {
  if (sorted.length === 0) return 0;
  const index = Math.min(sorted.length - 1, Math.ceil((p / 100) * sorted.length) - 1);
  return Math.round(sorted[Math.max(0, index)]! * 10) / 10;
}

async function main(): Promise<void> {
  const fake = await startFakeConnector({ recordActivities: false });
  const config = readConfig({ PORT: '0', HOST: '127.0.0.1', LOG_LEVEL: process.env.BENCH_LOG_LEVEL ?? 'silent', SIGNOFF_SWEEP_SECONDS: '0' });
  const app = await startLiftoff(config, createLogger(config.logLevel));
  const client = startLoadClient();
  const endpoint = `${app.url}/api/messages`;
  const activities = new ActivityFactory(fake.url);
  const team = teamChannel('bench');
  const post = async (activity: Record<string, unknown>): Promise<{ status: number; body: any; ms: number }> => {
    const started = performance.now();
    const response = await fetch(`${app.url}/api/messages`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify(activity) });
    const text = await response.text();
    const ms = performance.now() - started;
    return { status: response.status, body: text ? JSON.parse(text) : undefined, ms };
  };
  const lastCard = async (activity: Record<string, unknown>): Promise<any> => {
    const reply = fake.waitFor((r) => r.kind === 'reply' && r.conversationId === team.conversationId && r.activity?.replyToId === activity.id, 5000);
    const res = await post(activity);
    assert.equal(res.status, 200);
    return ((await reply).activity as { attachments?: Array<{ content: unknown }> }).attachments?.[0]?.content;
  };

  try {
    const pm = person('Bench Manager');
    const owner = person('Bench Owner');
    const testers: Person[] = Array.from({ length: VOTERS }, (_, i) => person(`Bench Tester ${i}`));
    fake.setRoster(
      team.teamId!,
      [pm, owner, ...testers].map((p) => ({ id: teamsUserId(p), name: p.name, aadObjectId: p.aadObjectId, tenantId: TENANT })),
    );

    // Set up through the bot, as people would: a workload, its business owner, a cycle with every tester.
    await lastCard(activities.message(pm, 'new Bench Payroll', team));
    const workloadId = workloadIdIn(team, 'bench-payroll');
    const rolesSave = await post(activities.execute(pm, 'roles.save', { workloadId, rolesRev: 1, role: 'businessOwner', people: owner.aadObjectId }, team));
    assert.match(cardText(rolesSave.body.value), / saved: /);
    const form = await lastCard(activities.message(pm, 'uat Bench Payroll', team));
    const open = findAction(form, 'signoff.open');
    const due = new Date(Date.now() + 7 * 24 * 3_600_000).toISOString().slice(0, 10);
    const opened = await post(
      activities.execute(
        pm,
        'signoff.open',
        {
          ...open.data,
          testers: testers.map((t) => t.aadObjectId).join(','),
          rule: 'all',
          rejection: 'failsCycle',
          dueDate: due,
          dueTime: '17:00',
          timeZone: 'UTC',
          testPlanUrl: 'https://contoso.example/plan',
        },
        team,
      ),
    );
    assert.match(cardText(opened.body.value), /opened UAT cycle 1 of Bench Payroll: 200 testers|opened UAT cycle 1/);
    const cycleId = 'uat-1';

    // Warm up both paths (JIT, connection pools, Cosmos SDK caches) without using any tester's decision.
    for (let i = 0; i < 3; i += 1) {
      await burst(
        client,
        endpoint,
        Array.from({ length: 50 }, () => activities.message(pm, 'help', team)),
      );
      await burst(
        client,
        endpoint,
        Array.from({ length: 50 }, (_, k) => activities.execute(testers[k]!, 'signoff.view', { workloadId, cycleId }, team, 'bench-card', 'manual')),
      );
    }
    await app.background.drain();

    // 200 echo turns at once.
    const echoes = await burst(
      client,
      endpoint,
      Array.from({ length: ECHOES }, () => activities.message(pm, 'help', team)),
    );
    assert.ok(
      echoes.every((e) => e.status === 200),
      'every echo turn answered 200',
    );
    await app.background.drain();

    // 200 approvals at once, and 50 of them sent a second time while the first copies are still in flight.
    const invokes = testers.map((t) => activities.execute(t, 'signoff.decide', { workloadId, cycleId, decision: 'approve' }, team, 'bench-card'));
    const fired = [...invokes, ...invokes.slice(0, REPEATS)];
    const started = performance.now();
    const votes = await burst(client, endpoint, fired);
    const burstMs = performance.now() - started;
    await app.background.drain();

    const answered = votes.filter((v) => {
      const body = v.body as { statusCode?: number; value?: unknown } | undefined;
      return v.status === 200 && body?.statusCode === 200 && /You approved UAT cycle 1/.test(cardText(body.value));
    }).length;
    const stored = await inPartition<{ id: string; voter: { aadObjectId: string } }>(app.cosmos.workloads, workloadId, 'SELECT c.id, c.voter', 'c.type = "vote" AND c.cycleId = @c', { c: cycleId });
    const voteEvents = await inPartition<{ actor: { aadObjectId: string } }>(app.cosmos.workloads, workloadId, 'SELECT c.actor', 'c.type = "event" AND c.action = "vote.approved" AND c.cycleId = @c', {
      c: cycleId,
    });
    const voters = new Set(stored.map((v) => v.voter.aadObjectId));
    const duplicates = stored.length - voters.size + (voteEvents.length - new Set(voteEvents.map((e) => e.actor.aadObjectId)).size);
    const cycle = (await app.cosmos.workloads.item(cycleId, workloadId).read<SignoffCycle>()).resource;
    const updates = fake.stats.byStatus;

    const voteMs = votes.map((v) => v.ms).sort((a, b) => a - b);
    const echoMs = echoes.map((e) => e.ms).sort((a, b) => a - b);
    const figures = {
      voters: voters.size,
      recorded: stored.length,
      duplicates,
      p50Ms: percentile(voteMs, 50),
      p99Ms: percentile(voteMs, 99),
      echoP50Ms: percentile(echoMs, 50),
      echoP99Ms: percentile(echoMs, 99),
    };
    console.log(`machine: ${os.cpus().length} cores (${os.cpus()[0]?.model ?? 'unknown'}), Node ${process.version}, ${new Date().toISOString()}`);
    console.log(
      `votes: ${fired.length} requests (${VOTERS} approvals + ${REPEATS} repeats) in ${Math.round(burstMs)} ms; ${answered} answered with the voter's card; audit events ${voteEvents.length}; cycle state ${cycle?.state}`,
    );
    console.log(`votes: max ${percentile(voteMs, 100)} ms; echo max ${percentile(echoMs, 100)} ms; connector answers by status ${JSON.stringify(updates)}`);
    const target = figures.recorded === VOTERS && figures.duplicates === 0 && figures.p99Ms <= 3 * figures.echoP99Ms && figures.p99Ms < 1000;
    console.log(`target (every vote once, no duplicate, p99 ≤ 3 × echo p99 and < 1 s): ${target ? 'met' : 'NOT met'}`);
    console.log(JSON.stringify(figures));
  } finally {
    client.kill();
    await app.close();
    await fake.close();
  }
}

main().catch((error: unknown) => {
  console.error('The sign-off benchmark failed:', error);
  process.exit(1);
});
