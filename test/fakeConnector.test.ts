import { strict as assert } from 'node:assert';
import http from 'node:http';
import { CloudAdapter, ConfigurationBotFrameworkAuthentication, TeamsInfo, type ConversationParameters, type ConversationReference, type TurnContext } from 'botbuilder';
import { ConnectorClient, MicrosoftAppCredentials } from 'botframework-connector';
import { FakeConnector, personalConversationId, startFakeConnector, TEAMS_ERROR_CODES, type FakeConnectorOptions, type FakeMember } from './support/fakeConnector';

const TENANT = '72f988bf-86f1-41af-91ab-2d7cd011db47';
const BOT = { id: '28:liftoff-bot', name: 'Liftoff' };
const TEAM = '19:release-team@thread.tacv2';
const THREAD = `${TEAM};messageid=1700000000000`;
const PERSONAL = 'a:1personal-chat';

/** The anonymous ConnectorClient CloudAdapter builds when no MicrosoftAppId is configured. */
function connector(fake: FakeConnector): ConnectorClient {
  return new ConnectorClient(MicrosoftAppCredentials.Empty, { baseUri: fake.url });
}

/** Runs logic in a real CloudAdapter turn (anonymous auth) whose serviceUrl is the fake. */
async function inTurn(fake: FakeConnector, conversationId: string, logic: (context: TurnContext) => Promise<void>): Promise<void> {
  const adapter = new CloudAdapter(new ConfigurationBotFrameworkAuthentication({}));
  const reference: ConversationReference = {
    serviceUrl: fake.url,
    channelId: 'msteams',
    bot: BOT,
    user: { id: '29:priya', name: 'Priya' },
    conversation: { id: conversationId, isGroup: false, conversationType: 'personal', tenantId: TENANT, name: '' },
  };
  await adapter.continueConversationAsync('', reference, logic);
}

interface RawResponse {
  status: number;
  headers: http.IncomingHttpHeaders;
  body: any;
}

const keepAlive = new http.Agent({ keepAlive: true, maxSockets: 64 });

/** One HTTP call without botbuilder's automatic retries, to look at statuses and headers as sent. */
function raw(fake: FakeConnector, method: string, path: string, body?: unknown): Promise<RawResponse> {
  const payload = body === undefined ? undefined : JSON.stringify(body);
  return new Promise((resolve, reject) => {
    const req = http.request(new URL(path, fake.url), { method, agent: keepAlive, headers: payload ? { 'content-type': 'application/json' } : {} }, (res) => {
      let text = '';
      res.setEncoding('utf8');
      res.on('data', (chunk: string) => (text += chunk));
      res.on('end', () => resolve({ status: res.statusCode ?? 0, headers: res.headers, body: text ? JSON.parse(text) : undefined }));
    });
    req.on('error', reject);
    req.end(payload);
  });
}

const sendPath = (conversationId: string) => `v3/conversations/${encodeURIComponent(conversationId)}/activities`;
const send = (fake: FakeConnector, conversationId: string, text = 'hi') => raw(fake, 'POST', sendPath(conversationId), { type: 'message', text });

/** A controllable clock for the rate limiters. */
function manualClock(start = 1_000_000): { now: () => number; advance: (ms: number) => void } {
  let t = start;
  return { now: () => t, advance: (ms) => (t += ms) };
}

function roster(n: number): FakeMember[] {
  return Array.from({ length: n }, (_, i) => ({
    id: `29:user-${i + 1}`,
    name: `User ${i + 1}`,
    aadObjectId: `00000000-0000-4000-8000-00000000000${i + 1}`,
    userPrincipalName: `user${i + 1}@contoso.com`,
    email: `user${i + 1}@contoso.com`,
    tenantId: TENANT,
    userRole: i === n - 1 ? 'guest' : 'user',
  }));
}

async function rejectsWith(promise: Promise<unknown>, statusCode: number, code: string): Promise<void> {
  await assert.rejects(promise, (error: any) => {
    assert.equal(error.statusCode, statusCode);
    assert.equal(error.code, code);
    return true;
  });
}

describe('fake Bot Connector', () => {
  let fake: FakeConnector;
  const start = async (options?: FakeConnectorOptions) => {
    await fake?.close();
    fake = await startFakeConnector(options);
    return fake;
  };

  beforeEach(() => start());
  afterEach(() => fake.close());
  after(() => keepAlive.destroy());

  it('serves a loopback url with a trailing slash (and an optional Teams-like path prefix)', async () => {
    assert.match(fake.url, /^http:\/\/127\.0\.0\.1:\d+\/$/);
    await start({ pathPrefix: 'amer' });
    assert.match(fake.url, /^http:\/\/127\.0\.0\.1:\d+\/amer\/$/);
    const { id } = await connector(fake).conversations.sendToConversation(PERSONAL, { type: 'message', text: 'prefixed' });
    assert.equal(fake.sentTo(PERSONAL)[0]?.activityId, id);
  });

  it('records a CloudAdapter turn: reply, send, update and delete with decoded conversation ids and unique ids', async () => {
    let replyId = '';
    let sentId = '';
    await inTurn(fake, THREAD, async (context) => {
      replyId = (await context.sendActivity('first'))?.id ?? '';
      sentId = (await connector(fake).conversations.sendToConversation(THREAD, { type: 'message', text: 'second' })).id ?? '';
      const updated = await context.updateActivity({ id: replyId, type: 'message', text: 'first, edited' });
      assert.equal(updated?.id, replyId, 'updates keep the id');
      await context.deleteActivity(sentId);
    });

    assert.notEqual(replyId, '');
    assert.notEqual(replyId, sentId);
    assert.deepEqual(
      fake.activities.map((r) => [r.kind, r.conversationId, r.activityId]),
      [
        ['reply', THREAD, replyId],
        ['send', THREAD, sentId],
        ['update', THREAD, replyId],
        ['delete', THREAD, sentId],
      ],
    );
    const [reply] = fake.activities;
    assert.equal(reply?.kind, 'reply');
    // CloudAdapter replies to the id of its synthetic continuation activity (a random uuid).
    if (reply?.kind === 'reply') assert.match(reply.replyToId ?? '', /^[0-9a-f-]{36}$/);
    assert.equal(reply?.activity?.text, 'first');
    assert.equal(reply?.activity?.conversation?.id, THREAD);
    assert.deepEqual(
      fake.sentTo(THREAD).map((r) => r.activity?.text),
      ['first', 'second'],
    );
    assert.deepEqual(
      fake.updates(replyId).map((r) => r.activity?.text),
      ['first, edited'],
    );
    assert.equal(fake.stats.sent, 2);
    assert.deepEqual(fake.stats.byStatus, { 200: 2, 201: 2 });
  });

  it('decodes every escaped character of a conversation id, including an escaped slash', async () => {
    const odd = '19:a/b@thread.skype;messageid=42 x';
    await connector(fake).conversations.sendToConversation(odd, { type: 'message', text: 'odd' });
    assert.equal(fake.activities[0]?.conversationId, odd);
  });

  it('createConversation returns a stable 1:1 id from member and tenant, and records an initial activity', async () => {
    const client = connector(fake);
    const params = { isGroup: false, bot: BOT, members: [{ id: '29:priya', name: 'Priya' }], tenantId: TENANT, channelData: { tenant: { id: TENANT } } } as ConversationParameters;
    const first = await client.conversations.createConversation(params);
    const again = await client.conversations.createConversation(params);
    assert.equal(first.id, personalConversationId('29:priya', TENANT));
    assert.equal(again.id, first.id);
    assert.equal(first.activityId, undefined);
    assert.notEqual((await client.conversations.createConversation({ ...params, tenantId: 'other', channelData: {} })).id, first.id);

    const withActivity = await client.conversations.createConversation({ ...params, activity: { type: 'message', text: 'welcome' } as any });
    assert.equal(withActivity.id, first.id);
    assert.ok(withActivity.activityId);
    const created = fake.sentTo(first.id);
    assert.equal(created.length, 1);
    assert.equal(created[0]?.kind, 'create');
    assert.equal(created[0]?.activityId, withActivity.activityId);
    assert.equal(created[0]?.activity?.text, 'welcome');
    assert.equal(fake.activities.filter((r) => r.kind === 'create').length, 4);
  });

  it('CloudAdapter.createConversationAsync creates the 1:1 chat and the turn replies into it', async () => {
    const adapter = new CloudAdapter(new ConfigurationBotFrameworkAuthentication({}));
    const params = { isGroup: false, bot: BOT, members: [{ id: '29:priya' }], tenantId: TENANT, channelData: { tenant: { id: TENANT } } } as ConversationParameters;
    await adapter.createConversationAsync('', 'msteams', fake.url, '', params, async (context) => {
      await context.sendActivity('proactive hello');
    });
    const id = personalConversationId('29:priya', TENANT);
    // The turn's synthetic activity has the conversation id as its id, so sendActivity becomes a reply to it.
    assert.deepEqual(
      fake.activities.map((r) => [r.kind, r.conversationId]),
      [
        ['create', id],
        ['reply', id],
      ],
    );
    const reply = fake.sentTo(id)[0];
    assert.equal(reply?.activity?.text, 'proactive hello');
    assert.equal(reply?.kind === 'reply' ? reply.replyToId : undefined, id);
  });

  it('a channel thread created with an initial message gets "<channel>;messageid=<activityId>"', async () => {
    const result = await connector(fake).conversations.createConversation({
      isGroup: true,
      bot: BOT,
      channelData: { channel: { id: TEAM }, tenant: { id: TENANT } },
      activity: { type: 'message', text: 'release starts' } as any,
    });
    assert.equal(result.id, `${TEAM};messageid=${result.activityId}`);
  });

  it('TeamsInfo pages members from the configured roster with continuation tokens, and reads single members', async () => {
    fake.setRoster(PERSONAL, roster(5));
    const pages: string[][] = [];
    let member: any;
    let legacy: any[] = [];
    await inTurn(fake, PERSONAL, async (context) => {
      let token: string | undefined;
      do {
        const page = await TeamsInfo.getPagedMembers(context, 2, token);
        pages.push(page.members.map((m) => m.id));
        token = page.continuationToken;
      } while (token);
      member = await TeamsInfo.getMember(context, '29:user-5');
      legacy = await TeamsInfo.getMembers(context);
      await rejectsWith(TeamsInfo.getMember(context, '29:nobody'), 404, TEAMS_ERROR_CODES.memberNotFound);
    });
    assert.deepEqual(pages, [['29:user-1', '29:user-2'], ['29:user-3', '29:user-4'], ['29:user-5']]);
    assert.deepEqual(
      { name: member.name, aadObjectId: member.aadObjectId, email: member.email, upn: member.userPrincipalName, tenantId: member.tenantId, role: member.userRole },
      { name: 'User 5', aadObjectId: '00000000-0000-4000-8000-000000000005', email: 'user5@contoso.com', upn: 'user5@contoso.com', tenantId: TENANT, role: 'guest' },
    );
    // TeamsInfo.getMembers copies objectId into aadObjectId; the fake sends both so nothing is lost.
    assert.equal(legacy[0]?.aadObjectId, '00000000-0000-4000-8000-000000000001');
    assert.equal(legacy.length, 5);

    const all = await connector(fake).conversations.getConversationPagedMembers(PERSONAL);
    assert.equal(all.members?.length, 5);
    assert.equal(all.continuationToken, undefined);
  });

  it('TeamsInfo lists team channels and team details from setChannels/setTeam; unknown teams are 404', async () => {
    fake.setChannels(TEAM, [{ id: TEAM }, { id: '19:cutover@thread.tacv2', name: 'Cutover' }]);
    fake.setTeam(TEAM, { name: 'Release Team', aadGroupId: 'group-1' });
    fake.setRoster(TEAM, roster(3));
    await inTurn(fake, PERSONAL, async (context) => {
      const channels = await TeamsInfo.getTeamChannels(context, TEAM);
      assert.deepEqual(
        channels.map((c) => [c.id, c.name]),
        [
          [TEAM, undefined],
          ['19:cutover@thread.tacv2', 'Cutover'],
        ],
      );
      const details = await TeamsInfo.getTeamDetails(context, TEAM);
      assert.deepEqual([details.id, details.name, details.aadGroupId, details.channelCount, details.memberCount], [TEAM, 'Release Team', 'group-1', 2, 3]);
      const members = await TeamsInfo.getPagedTeamMembers(context, TEAM, 2);
      assert.equal(members.members.length, 2);
      assert.ok(members.continuationToken);
      await rejectsWith(TeamsInfo.getTeamChannels(context, '19:unknown@thread.tacv2'), 404, TEAMS_ERROR_CODES.conversationNotFound);
    });
  });

  it('failNext answers 429 with Retry-After and a Throttled body, then recovers', async () => {
    fake.failNext(1, { status: 429 });
    const throttled = await send(fake, PERSONAL);
    assert.equal(throttled.status, 429);
    assert.equal(throttled.headers['retry-after'], '1');
    assert.deepEqual(throttled.body, { error: { code: 'Throttled', message: 'Too many requests.' } });
    assert.equal((await send(fake, PERSONAL)).status, 201);
    assert.deepEqual(fake.stats.byStatus, { 429: 1, 201: 1 });
    assert.equal(fake.stats.faults, 1);
    assert.equal(fake.stats.throttled, 0, 'injected 429s are faults, not rate limiting');
    assert.deepEqual(
      fake.rejections.map((r) => [r.status, r.reason, r.retryAfterSeconds]),
      [[429, 'failNext', 1]],
    );
  });

  it('failNext: botbuilder retries 429 by itself (3 retries), so only a 4th consecutive failure reaches the bot', async () => {
    const client = connector(fake);
    fake.failNext(1, { status: 429, retryAfterSeconds: 0 });
    await client.conversations.sendToConversation(PERSONAL, { type: 'message', text: 'retried' });
    assert.equal(fake.sentTo(PERSONAL).length, 1);
    assert.equal(fake.rejections.length, 1);

    fake.failNext(4, { status: 429, retryAfterSeconds: 0 });
    await rejectsWith(client.conversations.sendToConversation(PERSONAL, { type: 'message', text: 'lost' }), 429, 'Throttled');
    assert.equal(fake.rejections.length, 5);
  });

  it('failNext honours match, status, code and queue order', async () => {
    fake.failNext(1, { status: 503, match: (req) => req.kind === 'update' });
    fake.failNext(1, { status: 412, code: 'PreconditionFailed', match: (req) => (req.body as any)?.text === 'boom' });
    assert.equal((await send(fake, PERSONAL, 'fine')).status, 201);
    const boom = await send(fake, PERSONAL, 'boom');
    assert.equal(boom.status, 412);
    assert.equal(boom.body.error.code, 'PreconditionFailed');
    const update = await raw(fake, 'PUT', `${sendPath(PERSONAL)}/123`, { type: 'message', text: 'edit' });
    assert.deepEqual([update.status, update.body.error.code, update.headers['retry-after']], [503, 'ServiceUnavailable', undefined]);
    assert.equal((await raw(fake, 'PUT', `${sendPath(PERSONAL)}/123`, { type: 'message' })).status, 200);
  });

  it('blockUser makes every write to that conversation 403 ConversationBlockedByUser (code overridable), others unaffected', async () => {
    const client = connector(fake);
    fake.blockUser(PERSONAL);
    await rejectsWith(client.conversations.sendToConversation(PERSONAL, { type: 'message' }), 403, 'ConversationBlockedByUser');
    await rejectsWith(client.conversations.updateActivity(PERSONAL, '1', { type: 'message' }), 403, 'ConversationBlockedByUser');
    const body = (await send(fake, PERSONAL)).body;
    assert.deepEqual(body, { error: { code: 'ConversationBlockedByUser', message: 'User blocked the conversation with the bot.' } });
    await client.conversations.sendToConversation('a:1someone-else', { type: 'message' });

    fake.blockUser(PERSONAL, { code: TEAMS_ERROR_CODES.messageWritesBlocked });
    await rejectsWith(client.conversations.sendToConversation(PERSONAL, { type: 'message' }), 403, 'MessageWritesBlocked');
    fake.unblockUser(PERSONAL);
    await client.conversations.sendToConversation(PERSONAL, { type: 'message' });
    assert.deepEqual(
      fake.activities.map((r) => r.conversationId),
      ['a:1someone-else', PERSONAL],
    );
    assert.equal(fake.stats.faults, 4);
  });

  it('forgetConversation gives 404 ConversationNotFound until createConversation returns the id again', async () => {
    const client = connector(fake);
    const params = { isGroup: false, bot: BOT, members: [{ id: '29:priya' }], tenantId: TENANT } as ConversationParameters;
    const { id } = await client.conversations.createConversation(params);
    fake.forgetConversation(id);
    await rejectsWith(client.conversations.sendToConversation(id, { type: 'message' }), 404, 'ConversationNotFound');
    assert.deepEqual((await send(fake, id)).body, { error: { code: 'ConversationNotFound', message: 'Conversation not found.' } });
    await rejectsWith(client.conversations.getConversationPagedMembers(id), 404, 'ConversationNotFound');

    assert.equal((await client.conversations.createConversation(params)).id, id);
    await client.conversations.sendToConversation(id, { type: 'message', text: 'back' });
    assert.equal(fake.sentTo(id)[0]?.activity?.text, 'back');
  });

  it('per-conversation limits: the 8th rapid send gets 429 + Retry-After; 8 per 2 s and 60 per 30 s windows slide', async () => {
    const clock = manualClock();
    await start({ rateLimits: { perConversation: true }, now: clock.now });
    const statuses: number[] = [];
    for (let i = 0; i < 8; i += 1) statuses.push((await send(fake, PERSONAL)).status);
    assert.deepEqual(statuses, [201, 201, 201, 201, 201, 201, 201, 429]);
    assert.equal(fake.rejections[0]?.reason, 'conversationLimit');
    assert.equal(fake.stats.throttled, 1);
    assert.equal((await send(fake, 'a:1other')).status, 201, 'limits are per conversation');

    const blocked = await send(fake, PERSONAL);
    assert.equal(blocked.headers['retry-after'], '1');
    assert.equal(blocked.body.error.code, 'Throttled');
    clock.advance(1000); // 1 s window empty, 2 s window holds 7 → one more fits
    assert.equal((await send(fake, PERSONAL)).status, 201);
    const eightIn2s = await send(fake, PERSONAL);
    assert.deepEqual([eightIn2s.status, eightIn2s.headers['retry-after']], [429, '1']);
    clock.advance(1000);
    assert.equal((await send(fake, PERSONAL)).status, 201);

    // Steady 3.8/s fits the 1 s and 2 s windows but fills 60 per 30 s.
    const other = 'a:1steady';
    const steady: number[] = [];
    for (let i = 0; i < 61; i += 1) {
      clock.advance(260);
      steady.push((await send(fake, other)).status);
    }
    assert.deepEqual(steady.slice(0, 60), Array(60).fill(201));
    const last = fake.rejections.at(-1);
    assert.deepEqual([steady[60], last?.retryAfterSeconds], [429, 15]);
  });

  it('replies and creates count toward the per-conversation limit; updates do not', async () => {
    const clock = manualClock();
    await start({ rateLimits: { perConversation: [{ windowMs: 1000, max: 2 }] }, now: clock.now });
    assert.equal((await raw(fake, 'POST', `${sendPath(PERSONAL)}/1`, { type: 'message' })).status, 201);
    assert.equal((await raw(fake, 'PUT', `${sendPath(PERSONAL)}/1`, { type: 'message' })).status, 200);
    const id = personalConversationId('29:priya', TENANT);
    const create = () => raw(fake, 'POST', 'v3/conversations', { members: [{ id: '29:priya' }], tenantId: TENANT });
    assert.equal((await create()).status, 201);
    assert.equal((await send(fake, id)).status, 201);
    assert.equal((await create()).status, 429);
    assert.equal((await raw(fake, 'POST', `${sendPath(PERSONAL)}/1`, { type: 'message' })).status, 201);
    assert.equal((await send(fake, PERSONAL)).status, 429);
    clock.advance(999);
    assert.equal((await send(fake, PERSONAL)).status, 429, 'still inside the window');
    clock.advance(1);
    assert.deepEqual([(await send(fake, PERSONAL)).status, (await send(fake, PERSONAL)).status, (await send(fake, PERSONAL)).status], [201, 201, 429]);

    // Reply chains of a channel share the channel's windows.
    assert.equal((await send(fake, `${TEAM};messageid=1`)).status, 201);
    assert.equal((await send(fake, `${TEAM};messageid=2`)).status, 201);
    assert.equal((await send(fake, TEAM)).status, 429);
  });

  it('the global token bucket throttles across conversations and refills over time', async () => {
    const clock = manualClock();
    await start({ rateLimits: { globalPerSecond: 5 }, now: clock.now });
    const statuses: number[] = [];
    for (let i = 0; i < 6; i += 1) statuses.push((await send(fake, `a:1user-${i}`)).status);
    assert.deepEqual(statuses, [201, 201, 201, 201, 201, 429]);
    assert.equal(fake.rejections[0]?.reason, 'globalLimit');
    assert.equal(fake.rejections[0]?.retryAfterSeconds, 1);
    assert.equal((await raw(fake, 'GET', `v3/conversations/${encodeURIComponent(PERSONAL)}/members`)).status, 429, 'reads use the bucket too');
    clock.advance(200);
    assert.equal((await send(fake, 'a:1user-x')).status, 201);
    assert.equal((await send(fake, 'a:1user-y')).status, 429);
    assert.equal(fake.stats.throttled, 3);
  });

  it('random faults are repeatable for a seed', async () => {
    const run = async (seed: number) => {
      fake.reset();
      fake.setFaults({ p429: 0.2, p503: 0.1, p403: 0.05, p404: 0.05 }, seed);
      const statuses: number[] = [];
      for (let i = 0; i < 60; i += 1) statuses.push((await send(fake, PERSONAL)).status);
      return statuses;
    };
    const a = await run(7);
    assert.deepEqual(await run(7), a);
    assert.notDeepEqual(await run(8), a);
    for (const status of [201, 429, 503]) assert.ok(a.includes(status), `expected some ${status} in ${a.join(',')}`);
    const again = await run(7);
    assert.equal(fake.stats.faults, again.filter((s) => s !== 201).length);
    fake.setFaults(null);
    assert.equal((await send(fake, PERSONAL)).status, 201);
  });

  it('waitFor resolves on arrival, resolves at once for past records, and times out listing what was received', async () => {
    const pending = fake.waitFor((r) => r.activity?.text === 'later', 1000);
    await send(fake, PERSONAL, 'sooner');
    await send(fake, PERSONAL, 'later');
    const record = await pending;
    assert.equal(record.kind, 'send');
    assert.equal(record.conversationId, PERSONAL);

    assert.equal((await fake.waitFor((r) => r.activity?.text === 'sooner')).activity?.text, 'sooner');
    const mark = fake.lastSeq;
    await assert.rejects(
      fake.waitFor((r) => r.seq > mark, 30),
      (error: Error) => {
        assert.match(error.message, /no matching activity within 30 ms/);
        assert.match(error.message, /Received 2 activities:/);
        assert.match(error.message, /#1 send conv=a:1personal-chat id=\d+ type=message text="sooner"/);
        assert.match(error.message, /text="later"/);
        return true;
      },
    );
  });

  it('clear() forgets records and stats but keeps configuration', async () => {
    fake.setRoster(PERSONAL, roster(2));
    await send(fake, PERSONAL);
    fake.clear();
    assert.deepEqual([fake.activities.length, fake.stats.received, fake.stats.sent], [0, 0, 0]);
    assert.equal((await connector(fake).conversations.getConversationMembers(PERSONAL)).length, 2);
  });

  it('rejects oversized activities, bad JSON and unknown routes with Teams-style errors', async () => {
    await start({ maxActivityBytes: 1000 });
    const big = await send(fake, PERSONAL, 'x'.repeat(2000));
    assert.deepEqual([big.status, big.body.error.code], [413, 'MessageSizeTooBig']);
    const bad = await new Promise<number>((resolve, reject) => {
      const req = http.request(new URL(sendPath(PERSONAL), fake.url), { method: 'POST', agent: keepAlive }, (res) => {
        res.resume();
        resolve(res.statusCode ?? 0);
      });
      req.on('error', reject);
      req.end('{not json');
    });
    assert.equal(bad, 400);
    const unknown = await raw(fake, 'GET', 'v3/nothing/here');
    assert.equal(unknown.status, 404);
    assert.match(unknown.body.error.message, /No route for GET \/v3\/nothing\/here/);
  });

  it('applies a fixed latency with one timer and serves a concurrent burst quickly', async () => {
    await start({ latencyMs: 40 });
    const started = Date.now();
    const results = await Promise.all(Array.from({ length: 200 }, (_, i) => send(fake, `a:1burst-${i % 10}`)));
    const elapsed = Date.now() - started;
    assert.ok(results.every((r) => r.status === 201));
    assert.ok(elapsed >= 40, `latency applied (${elapsed} ms)`);
    assert.ok(elapsed < 1000, `served concurrently (${elapsed} ms)`);
    assert.equal(new Set(fake.activities.map((r) => r.activityId)).size, 200, 'ids are unique');
  });

  it('serves a 2000-request keep-alive load quickly, without recording when asked not to', async () => {
    await start({ recordActivities: false });
    const total = 2000;
    const started = Date.now();
    let next = 0;
    const worker = async () => {
      while (next < total) {
        next += 1;
        const response = await send(fake, `a:1load-${next % 50}`);
        assert.equal(response.status, 201);
      }
    };
    await Promise.all(Array.from({ length: 32 }, worker));
    const seconds = (Date.now() - started) / 1000;
    assert.equal(fake.stats.sent, total);
    assert.equal(fake.activities.length, 0);
    // Typically 3-4k req/s with this client in the same process; the floor only catches pathologies, not noise.
    assert.ok(total / seconds > 500, `${Math.round(total / seconds)} req/s`);
  });
});
