import { strict as assert } from 'node:assert';
import { AdaptiveRate, ConversationWindows, DEFAULT_PACING, STEADY_PACING, TokenBucket } from '../../bot/conversations/limits';
import { DeliveryError } from '../../bot/conversations/messenger';
import { finalStatus, judgeFailure, Outbound, OutboundMessenger, TenantBudget, TeamsTransport, Timers } from '../../bot/conversations/outbound';
import { createLogger } from '../../bot/log';
import { TENANT } from '../support/builders';

/** Time that moves only when a spec moves it; sleepers wake in order of their due time. */
class ManualClock implements Timers {
  private t = 0;
  private sleepers: Array<{ at: number; wake: () => void }> = [];

  now = (): number => this.t;

  sleep = (ms: number, signal?: AbortSignal): Promise<void> =>
    new Promise<void>((resolve) => {
      const sleeper = { at: this.t + ms, wake: resolve };
      this.sleepers.push(sleeper);
      signal?.addEventListener(
        'abort',
        () => {
          this.sleepers = this.sleepers.filter((s) => s !== sleeper);
          resolve();
        },
        { once: true },
      );
    });

  /** Moves time forward by `ms`, waking each sleeper at its due time and letting what it starts run. */
  async advance(ms: number): Promise<void> {
    const end = this.t + ms;
    for (;;) {
      await settled();
      const due = this.sleepers.filter((s) => s.at <= end).sort((a, b) => a.at - b.at)[0];
      if (!due) break;
      this.t = Math.max(this.t, due.at);
      const waking = this.sleepers.filter((s) => s.at <= this.t);
      this.sleepers = this.sleepers.filter((s) => s.at > this.t);
      for (const s of waking) s.wake();
    }
    this.t = end;
    await settled();
  }
}

/** Lets every promise continuation that is ready run. */
const settled = (): Promise<void> => new Promise((resolve) => setImmediate(resolve));

const silent = createLogger('silent');
const OTHER_TENANT = '11111111-2222-4333-8444-555555555555';

describe('the outbound pipeline to Teams', () => {
  describe('judging a failure', () => {
    const context = { attempts: 1, maxAttempts: 5, person: true, recreated: false };
    it('waits out Retry-After on 429 and backs off on 412, 5xx and no answer', () => {
      assert.deepEqual(judgeFailure({ status: 429, code: 'Throttled', retryAfterMs: 2000 }, context), { kind: 'retry', afterMs: 2000 });
      for (const status of [412, 500, 502, 503, 504, 0]) assert.deepEqual(judgeFailure({ status, code: 'x' }, context), { kind: 'retry' });
    });
    it('records a blocked bot as blocked, final, under either code', () => {
      assert.deepEqual(judgeFailure({ status: 403, code: 'MessageWritesBlocked' }, context), { kind: 'final', status: 'blocked' });
      assert.deepEqual(judgeFailure({ status: 403, code: 'ConversationBlockedByUser' }, context), { kind: 'final', status: 'blocked' });
      assert.deepEqual(judgeFailure({ status: 403, code: 'BotNotInConversationRoster' }, context), { kind: 'final', status: 'failed' });
    });
    it('recreates a 1:1 conversation once on 404, then records not found', () => {
      assert.deepEqual(judgeFailure({ status: 404, code: 'ConversationNotFound' }, context), { kind: 'recreate' });
      assert.deepEqual(judgeFailure({ status: 404, code: 'ConversationNotFound' }, { ...context, recreated: true }), { kind: 'final', status: 'notFound' });
      assert.deepEqual(judgeFailure({ status: 404, code: 'ConversationNotFound' }, { ...context, person: false }), { kind: 'final', status: 'notFound' });
    });
    it('gives up as failed after the bounded attempts, and at once on other client errors', () => {
      assert.deepEqual(judgeFailure({ status: 503, code: 'x' }, { ...context, attempts: 5 }), { kind: 'final', status: 'failed' });
      assert.deepEqual(judgeFailure({ status: 400, code: 'BadArgument' }, context), { kind: 'final', status: 'failed' });
    });
  });

  describe('the tenant budget, on an injected clock', () => {
    it("admits a tenant's requests in order at its rate after a small burst, whoever asks", async () => {
      const clock = new ManualClock();
      const budget = new TenantBudget(40, clock, undefined, undefined, STEADY_PACING);
      const admitted: number[] = [];
      for (let i = 0; i < 30; i += 1) void budget.admit(TENANT, undefined).then(() => admitted.push(i));
      await clock.advance(0);
      assert.equal(admitted.length, 10, 'the burst is a quarter of a second of the rate');
      await clock.advance(25);
      assert.equal(admitted.length, 11, 'then one every 25 ms');
      await clock.advance(475);
      assert.equal(admitted.length, 30);
      assert.deepEqual(
        admitted,
        [...admitted].sort((a, b) => a - b),
        'in the order asked',
      );
    });

    it('gives every tenant a budget of its own', async () => {
      const clock = new ManualClock();
      const budget = new TenantBudget(4, clock, undefined, undefined, STEADY_PACING);
      const admitted: string[] = [];
      for (const tenant of [TENANT, TENANT, OTHER_TENANT]) void budget.admit(tenant, undefined).then(() => admitted.push(tenant));
      await clock.advance(0);
      assert.deepEqual(admitted, [TENANT, OTHER_TENANT], 'a burst of one each; the second request of the first tenant waits');
      await clock.advance(250);
      assert.deepEqual(admitted, [TENANT, OTHER_TENANT, TENANT]);
    });

    it("holds a conversation to Teams' windows while other conversations go", async () => {
      const clock = new ManualClock();
      const budget = new TenantBudget(1000, clock, undefined, undefined, STEADY_PACING);
      const admitted: string[] = [];
      for (let i = 0; i < 9; i += 1) void budget.admit(TENANT, 'chat-a').then(() => admitted.push(`a${i}`));
      void budget.admit(TENANT, 'chat-b').then(() => admitted.push('b'));
      await clock.advance(0);
      assert.equal(admitted.filter((a) => a.startsWith('a')).length, 7, '7 in a second');
      assert.ok(admitted.includes('b'), 'another conversation is not held back');
      await clock.advance(1001);
      assert.equal(admitted.filter((a) => a.startsWith('a')).length, 8, '8 in two seconds');
      await clock.advance(1000);
      assert.equal(admitted.filter((a) => a.startsWith('a')).length, 9);
    });

    it('gives up a waiting request whose signal aborts, and keeps its place for the next', async () => {
      const clock = new ManualClock();
      const budget = new TenantBudget(1, clock, undefined, undefined, STEADY_PACING);
      await budget.admit(TENANT, undefined);
      const halt = new AbortController();
      const given: Array<boolean> = [];
      void budget.admit(TENANT, undefined, halt.signal).then((ok) => given.push(ok));
      void budget.admit(TENANT, undefined).then((ok) => given.push(ok));
      halt.abort();
      await clock.advance(0);
      assert.deepEqual(given, [false]);
      await clock.advance(1000);
      assert.deepEqual(given, [false, true], 'the token goes to the request still waiting');
    });
  });

  describe('one message through the pipeline', () => {
    const target = { conversationId: 'a:chat', serviceUrl: 'https://smba.example/', tenantId: TENANT, reference: {} };
    /** A transport that fails with the scripted errors first, then takes every post; it counts the calls. */
    function scripted(failures: DeliveryError[]): TeamsTransport & { calls: number } {
      const transport = {
        calls: 0,
        async post(): Promise<string> {
          transport.calls += 1;
          const failure = failures.shift();
          if (failure) throw failure;
          return `activity-${transport.calls}`;
        },
        async update(): Promise<void> {},
        async remove(): Promise<void> {},
      };
      return transport;
    }
    const pipeline = (clock: ManualClock, maxAttempts = 4) =>
      new Outbound(new TenantBudget(40, clock, undefined, undefined, STEADY_PACING), { maxAttempts, backoff: { baseMs: 100, maxMs: 10_000 } }, silent, clock, () => 0.5);

    it('waits exactly the Retry-After of a 429 before it tries again', async () => {
      const clock = new ManualClock();
      const transport = scripted([new DeliveryError(429, 'Throttled', 2000)]);
      let id: string | undefined;
      void new OutboundMessenger(pipeline(clock), transport).post(target, { type: 'AdaptiveCard' }).then((sent) => (id = sent));
      await clock.advance(1999);
      assert.equal(transport.calls, 1, 'not again before Teams said');
      await clock.advance(1);
      assert.equal(transport.calls, 2);
      assert.equal(id, 'activity-2');
    });

    it('backs off with jitter on 412, 502, 503 and 504, and gives up after the bounded attempts', async () => {
      const clock = new ManualClock();
      const transport = scripted([412, 502, 503, 504].map((status) => new DeliveryError(status, 'x')));
      let failure: unknown;
      void new OutboundMessenger(pipeline(clock, 4), transport).post(target, { type: 'AdaptiveCard' }).catch((error: unknown) => (failure = error));
      await clock.advance(99);
      assert.equal(transport.calls, 1, 'half of the first ceiling (2 x 100 ms) with this jitter');
      await clock.advance(1);
      assert.equal(transport.calls, 2);
      await clock.advance(10_000);
      assert.equal(transport.calls, 4, 'four attempts, no more');
      assert.ok(failure instanceof DeliveryError && failure.status === 504);
      assert.equal(finalStatus(failure), 'failed');
    });

    it('does not retry a person who blocked Liftoff, nor a conversation that is gone', async () => {
      for (const [failure, status] of [
        [new DeliveryError(403, 'MessageWritesBlocked'), 'blocked'],
        [new DeliveryError(403, 'ConversationBlockedByUser'), 'blocked'],
        [new DeliveryError(404, 'ConversationNotFound'), 'notFound'],
      ] as const) {
        const clock = new ManualClock();
        const transport = scripted([failure]);
        let caught: unknown;
        void new OutboundMessenger(pipeline(clock), transport).post(target, { type: 'AdaptiveCard' }).catch((error: unknown) => (caught = error));
        await clock.advance(60_000);
        assert.equal(transport.calls, 1);
        assert.equal(finalStatus(caught), status);
      }
    });

    it("draws the broadcast sender's requests and the messenger's from the same tenant budget", async () => {
      const clock = new ManualClock();
      const outbound = pipeline(clock);
      const transport = scripted([]);
      const messenger = new OutboundMessenger(outbound, transport);
      let senderRequests = 0;
      for (let i = 0; i < 20; i += 1) {
        void messenger.post({ ...target, conversationId: `a:chat-${i}` }, { type: 'AdaptiveCard' });
        void outbound.attempt({ tenantId: TENANT, conversationKey: `a:notice-${i}` }, async () => (senderRequests += 1), { operation: 'post', attempts: 1 });
      }
      await clock.advance(0);
      assert.equal(transport.calls + senderRequests, 10, 'one burst for both');
      await clock.advance(500);
      assert.equal(transport.calls + senderRequests, 30, '40 a second for both together');
      await clock.advance(250);
      assert.equal(transport.calls + senderRequests, 40);
    });
  });

  describe('adaptive pacing to the ceiling, on an injected clock', () => {
    const taken = { kind: 'taken', latencyMs: 40 } as const;

    it('starts below the ceiling and rises toward it while Teams takes every request, never above it', () => {
      const pacing = new AdaptiveRate(50);
      assert.equal(pacing.rate, 40, 'four fifths of the ceiling to start');
      let now = 0;
      for (let i = 0; i < 2000; i += 1) pacing.observe(taken, (now += 20));
      assert.equal(pacing.rate, 50, 'at the ceiling, not above it');
    });

    it('steps down on a lone 429 and climbs back', () => {
      const pacing = new AdaptiveRate(50, { ...DEFAULT_PACING, startFraction: 1 });
      pacing.observe({ kind: 'throttled', retryAfterMs: 1000 }, 0);
      assert.equal(pacing.rate, 50 * DEFAULT_PACING.stepDown);
      assert.equal(pacing.holdMs(0), 0, 'one throttled request waits its Retry-After alone; the tenant goes on');
      for (let i = 0; i < 100; i += 1) pacing.observe(taken, i);
      assert.equal(pacing.rate, 50);
    });

    it('halves on a run of 429s and makes the whole tenant wait out Retry-After, then recovers', () => {
      const pacing = new AdaptiveRate(50, { ...DEFAULT_PACING, startFraction: 1 });
      for (let i = 0; i < DEFAULT_PACING.throttledRun; i += 1) pacing.observe({ kind: 'throttled', retryAfterMs: 3000 }, 1000);
      const steppedTwice = 50 * DEFAULT_PACING.stepDown ** (DEFAULT_PACING.throttledRun - 1);
      assert.equal(pacing.rate, steppedTwice / 2);
      assert.equal(pacing.holdMs(1000), 3000);
      assert.equal(pacing.holdMs(4000), 0);
      let now = 4000;
      while (pacing.rate < 50) pacing.observe(taken, (now += 20));
      assert.equal(pacing.rate, 50, 'back at the ceiling');
    });

    it('steps down when latency rises well above the best seen, and holds the rise for a while', () => {
      const pacing = new AdaptiveRate(50, { ...DEFAULT_PACING, startFraction: 1 });
      let now = 0;
      for (let i = 0; i < 50; i += 1) pacing.observe(taken, (now += 20));
      while (pacing.rate === 50) pacing.observe({ kind: 'taken', latencyMs: 2000 }, (now += 20));
      assert.equal(pacing.rate, 45);
      pacing.observe({ kind: 'taken', latencyMs: 2000 }, now + 20);
      assert.equal(pacing.rate, 45, 'one step down a calm period');
    });

    it('never goes below the floor, however many 429s', () => {
      const pacing = new AdaptiveRate(50);
      for (let i = 0; i < 200; i += 1) pacing.observe({ kind: 'throttled' }, i);
      assert.equal(pacing.rate, DEFAULT_PACING.floor);
    });

    it('a tenant budget admits at the adapted rate, holds every request of the tenant for a run of 429s, and leaves other tenants alone', async () => {
      const clock = new ManualClock();
      const budget = new TenantBudget(40, clock, undefined, 1, { ...DEFAULT_PACING, startFraction: 1 });
      const admitted: string[] = [];
      for (let i = 0; i < DEFAULT_PACING.throttledRun; i += 1) budget.observe(TENANT, { kind: 'throttled', retryAfterMs: 2000 });
      void budget.admit(TENANT, undefined).then(() => admitted.push('throttled tenant'));
      void budget.admit(OTHER_TENANT, undefined).then(() => admitted.push('other tenant'));
      await clock.advance(1999);
      assert.deepEqual(admitted, ['other tenant']);
      await clock.advance(1);
      assert.deepEqual(admitted, ['other tenant', 'throttled tenant']);
      assert.ok(budget.rateOf(TENANT) < 20, `halved (${budget.rateOf(TENANT)})`);
      assert.equal(budget.rateOf(OTHER_TENANT), 40);
    });
  });

  describe('Teams rate limits, on an injected clock', () => {
    it('a token bucket refills at its rate and saves up no more than its burst', () => {
      const bucket = new TokenBucket(40, 10, 0);
      let taken = 0;
      while (bucket.tryTake(0)) taken += 1;
      assert.equal(taken, 10);
      assert.equal(bucket.waitMs(0), 25);
      assert.equal(bucket.tryTake(25), true);
      assert.equal(bucket.tryTake(25), false);
      let overASecond = 0;
      for (let t = 26; t <= 1025; t += 1) if (bucket.tryTake(t)) overASecond += 1;
      assert.ok(overASecond >= 39 && overASecond <= 41, `${overASecond} in a second`);
    });

    it('per conversation: 7 in a second, 8 in two, 60 in thirty', () => {
      const windows = new ConversationWindows();
      for (let i = 0; i < 7; i += 1) {
        assert.equal(windows.waitMs('c', i), 0);
        windows.record('c', i);
      }
      assert.ok(windows.waitMs('c', 10) > 0, 'the eighth in the same second waits');
      assert.equal(windows.waitMs('other', 10), 0, 'other conversations are not held back');
      windows.record('c', 1010);
      assert.ok(windows.waitMs('c', 1020) > 900, 'the ninth waits for the two-second window');
      let now = 5000;
      let admitted = 8;
      while (now < 35_000) {
        if (windows.waitMs('c', now) === 0) {
          windows.record('c', now);
          admitted += 1;
        }
        now += 10;
      }
      assert.ok(admitted <= 60 + 8, `${admitted} within about thirty seconds`);
    });

    it('forgets conversations no window can see any more, so memory stays bounded', () => {
      const windows = new ConversationWindows([{ windowMs: 1000, max: 7 }]);
      for (let i = 0; i < 1000; i += 1) windows.record(`c${i}`, 0);
      windows.record('late', 5000);
      assert.equal(windows.size, 1);
    });

    it("forgets a conversation that got one message after Teams' 30 s window, and remembers a busy one for the hour's", () => {
      const windows = new ConversationWindows();
      for (let i = 0; i < 1000; i += 1) windows.record(`person${i}`, i);
      let now = 0;
      for (let i = 0; i < 60; i += 1) windows.record('busy', (now += 500));
      windows.record('late', 32_000);
      assert.equal(windows.size, 2, 'the 1,000 people reached once are forgotten 30 s on; the busy chat and the late one stay');
      windows.record('later', 64_000);
      assert.equal(windows.size, 2, 'the late one is forgotten too, the busy chat is not');
      assert.equal(windows.waitMs('person1', 70_000), 0);
      let admitted = 60;
      for (now = 64_000; now < 3_600_000; now += 250) {
        if (windows.waitMs('busy', now) === 0) {
          windows.record('busy', now);
          admitted += 1;
        }
      }
      assert.ok(admitted <= 1800, `${admitted} in the busy chat within the hour`);
    });
  });
});
