import { strict as assert } from 'node:assert';
import { context, metrics, SpanKind, trace } from '@opentelemetry/api';
import { AsyncLocalStorageContextManager } from '@opentelemetry/context-async-hooks';
import { MeterProvider, MetricReader } from '@opentelemetry/sdk-metrics';
import type { DataPoint, Histogram } from '@opentelemetry/sdk-metrics';
import { BasicTracerProvider, InMemorySpanExporter, SimpleSpanProcessor } from '@opentelemetry/sdk-trace-base';
import type { ReadableSpan } from '@opentelemetry/sdk-trace-base';
import { CosmosSenderCoordination } from '../bot/store/coordinationRepository';
import { cardText, findAction, Harness, recordingLogger, startHarness } from './support/liftoff';
import { downtime, person, TENANT } from './support/builders';
import { FakeRequest } from './support/fakeConnector';
import { personalChat, teamChannel, teamsUserId, workloadIdIn } from './support/teams';

/** A reader the spec collects from when it wants: cumulative sums and histograms since the provider started. */
class CollectingReader extends MetricReader {
  protected async onForceFlush(): Promise<void> {}
  protected async onShutdown(): Promise<void> {}
}

const priya = person('Priya Project');
const alice = person('Alice Accounts');
const toPersonalChat = (req: FakeRequest): boolean => req.kind === 'send' && (req.conversationId ?? '').startsWith('a:personal-');

/** Polls until `done` holds; the deadline only ends a spec that would otherwise hang. */
async function until(what: string, done: () => boolean | Promise<boolean>, timeoutMs = 15_000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!(await done())) {
    if (Date.now() > deadline) throw new Error(`timed out waiting until ${what}`);
    await new Promise((resolve) => setTimeout(resolve, 20));
  }
}

describe('observability: spans, metrics and trace ids with an OpenTelemetry SDK registered', () => {
  const spans = new InMemorySpanExporter();
  const tracerProvider = new BasicTracerProvider({ spanProcessors: [new SimpleSpanProcessor(spans)] });
  const reader = new CollectingReader();
  const meterProvider = new MeterProvider({ readers: [reader] });
  const recorded = recordingLogger();
  const team = teamChannel('observed');
  const workloadId = workloadIdIn(team, 'payroll-api');
  let h: Harness;

  /** The points of one metric, as collected now. */
  async function points(name: string): Promise<DataPoint<number | Histogram>[]> {
    const { resourceMetrics } = await reader.collect();
    const metric = resourceMetrics.scopeMetrics.flatMap((s) => s.metrics).find((m) => m.descriptor.name === name);
    return (metric?.dataPoints ?? []) as DataPoint<number | Histogram>[];
  }
  /** The sum of a counter's points whose attributes include `match`. */
  async function counted(name: string, match: Record<string, string> = {}): Promise<number> {
    return (await points(name)).filter((p) => Object.entries(match).every(([k, v]) => p.attributes[k] === v)).reduce((sum, p) => sum + (p.value as number), 0);
  }
  const turnSpans = (): ReadableSpan[] => spans.getFinishedSpans().filter((s) => s.name.startsWith('liftoff.'));

  before(async () => {
    context.setGlobalContextManager(new AsyncLocalStorageContextManager().enable());
    trace.setGlobalTracerProvider(tracerProvider);
    metrics.setGlobalMeterProvider(meterProvider);
    h = await startHarness({ BROADCAST_RATE_PER_SECOND: '500', BROADCAST_LEASE_SECONDS: '1', BROADCAST_RETRY_BASE_MS: '5' }, { log: recorded.log });
    h.fake.setRoster(
      team.teamId!,
      [priya, alice].map((p) => ({ id: teamsUserId(p), name: p.name, aadObjectId: p.aadObjectId, tenantId: TENANT })),
    );
    await h.post(h.activities.installation(priya, 'add', team));
    await h.post(h.activities.installation(alice, 'add', personalChat(alice)));
    await h.say(h.activities.message(priya, 'new Payroll API', team));
  });
  beforeEach(() => spans.reset());
  after(async () => {
    await h?.close();
    trace.disable();
    metrics.disable();
    context.disable();
    await tracerProvider.shutdown();
    await meterProvider.shutdown();
  });

  it('makes a command one span named for it, with the workload it read and its outcome', async () => {
    const card = await h.say(h.activities.message(priya, 'status Payroll API', team));
    assert.match(cardText(card), /Payroll API/);
    const span = turnSpans().find((s) => s.name === 'liftoff.command status');
    assert.ok(
      span,
      `a turn span for the command (saw ${turnSpans()
        .map((s) => s.name)
        .join(', ')})`,
    );
    assert.equal(span.kind, SpanKind.INTERNAL);
    assert.equal(span.attributes['liftoff.command'], 'status');
    assert.equal(span.attributes['liftoff.workload_id'], workloadId);
    assert.equal(span.attributes['liftoff.outcome'], 'answered');
    assert.equal(span.attributes['liftoff.activity_type'], 'message');
  });

  it('makes a card action one span with its verb, workload and outcome, and a log line of the turn carries its trace id', async () => {
    const res = await h.post(h.activities.execute(priya, 'roles.show', { workloadId }, team));
    assert.equal(res.status, 200);
    const span = turnSpans().find((s) => s.name === 'liftoff.verb roles.show');
    assert.ok(span, 'a turn span for the verb');
    assert.equal(span.attributes['liftoff.verb'], 'roles.show');
    assert.equal(span.attributes['liftoff.workload_id'], workloadId);
    assert.equal(span.attributes['liftoff.outcome'], 'answered');
    const done = recorded.lines.find((l) => l.event === 'verb.done' && l.verb === 'roles.show' && l.trace_id === span.spanContext().traceId);
    assert.ok(done, 'the verb.done line carries the trace id of the turn');
    assert.equal(done.span_id, span.spanContext().spanId);

    const latency = (await points('liftoff.invoke.duration')).find((p) => p.attributes['liftoff.verb'] === 'roles.show' && p.attributes['liftoff.outcome'] === 'answered');
    assert.ok(latency, 'invoke latency is recorded by verb and outcome');
    assert.ok((latency.value as Histogram).count >= 1);
  });

  it('says missing when a card action names a workload that is not there, and refused when it names no known verb', async () => {
    await h.post(h.activities.execute(priya, 'roles.show', { workloadId: workloadIdIn(team, 'no-such-workload') }, team));
    await h.post(h.activities.execute(priya, 'no.such.verb', {}, team));
    const names = turnSpans().map((s) => [s.name, s.attributes['liftoff.outcome']]);
    assert.deepEqual(names, [
      ['liftoff.verb roles.show', 'missing'],
      ['liftoff.verb', 'refused'],
    ]);
    assert.equal(turnSpans()[1]!.attributes['liftoff.verb'], undefined, 'an unknown verb is not repeated');
  });

  it('makes every Cosmos DB request of a turn a dependency span inside the turn', async () => {
    await h.post(h.activities.execute(priya, 'roles.show', { workloadId }, team));
    const turn = turnSpans().find((s) => s.name === 'liftoff.verb roles.show')!;
    const cosmos = spans.getFinishedSpans().filter((s) => s.attributes['db.system.name'] === 'azure.cosmosdb' && s.spanContext().traceId === turn.spanContext().traceId);
    assert.ok(cosmos.length > 0, 'the turn read Cosmos DB');
    const read = cosmos.find((s) => s.name === 'cosmos read workloads');
    assert.ok(read, `a point read of the workload (saw ${cosmos.map((s) => s.name).join(', ')})`);
    assert.equal(read.kind, SpanKind.CLIENT);
    assert.equal(read.attributes['http.response.status_code'], 200);
    assert.equal(read.attributes['db.collection.name'], 'workloads');
    assert.equal(read.parentSpanContext?.spanId, turn.spanContext().spanId);
  });

  it('reports a notice sent through a 429: the Teams span with status and Retry-After, the throttle, the delivery and the lease taken over', async () => {
    // Another instance held the sender lease and stopped renewing it: this one takes over.
    await new CosmosSenderCoordination(h.app.cosmos.broadcast).acquire(TENANT, 'another-instance', Date.now() - 60_000, 1000);
    const throttlesBefore = await counted('liftoff.teams.throttles');
    const sentBefore = await counted('liftoff.deliveries', { 'liftoff.outcome': 'sent' });
    const handoversBefore = await counted('liftoff.sender.lease_handovers');
    h.fake.failNext(1, { status: 429, retryAfterSeconds: 1, match: toPersonalChat });

    const compose = findAction(await h.say(h.activities.message(priya, 'notify Payroll API', team)), 'notice.preview');
    const preview = await h.post(h.activities.execute(priya, 'notice.preview', { ...compose.data, ...downtime, people: alice.aadObjectId }, team));
    const send = findAction(preview.body.value, 'notice.send');
    assert.equal((await h.post(h.activities.execute(priya, 'notice.send', send.data, team))).status, 200);
    await until('the notice reaches Alice', async () => (await counted('liftoff.deliveries', { 'liftoff.outcome': 'sent' })) > sentBefore);

    const teams = spans.getFinishedSpans().filter((s) => s.name === 'Teams post' && s.attributes['liftoff.teams.operation'] === 'post');
    const throttled = teams.find((s) => s.attributes['http.response.status_code'] === 429);
    assert.ok(throttled, 'a Teams dependency span with the 429');
    assert.equal(throttled.kind, SpanKind.CLIENT);
    assert.equal(throttled.attributes['liftoff.teams.throttled'], true);
    assert.equal(throttled.attributes['liftoff.teams.retry_after_ms'], 1000);
    assert.ok(
      teams.some((s) => s.attributes['liftoff.teams.attempt'] === 2 && s.attributes['http.response.status_code'] === undefined),
      'and the second attempt that went through',
    );
    assert.equal((await counted('liftoff.teams.throttles')) - throttlesBefore, 1);
    assert.equal((await counted('liftoff.deliveries', { 'liftoff.outcome': 'sent' })) - sentBefore, 1);
    assert.equal((await counted('liftoff.sender.lease_handovers')) - handoversBefore, 1);
  });
});

describe('observability without an OpenTelemetry SDK', () => {
  it('records nothing and answers as before', async () => {
    // A provider that is never registered: Liftoff's spans would reach it only by going around the API.
    const spans = new InMemorySpanExporter();
    const unregistered = new BasicTracerProvider({ spanProcessors: [new SimpleSpanProcessor(spans)] });
    const recorded = recordingLogger();
    const h = await startHarness({}, { log: recorded.log });
    try {
      const team = teamChannel('unobserved');
      await h.post(h.activities.installation(priya, 'add', team));
      await h.say(h.activities.message(priya, 'new Payroll API', team));
      const card = await h.say(h.activities.message(priya, 'status Payroll API', team));
      assert.match(cardText(card), /Payroll API/);
      const res = await h.post(h.activities.execute(priya, 'roles.show', { workloadId: workloadIdIn(team, 'payroll-api') }, team));
      assert.equal(res.status, 200);
      assert.equal(spans.getFinishedSpans().length, 0);
      assert.ok(
        recorded.lines.some((l) => l.event === 'verb.done'),
        'the turn was logged',
      );
      assert.ok(
        recorded.lines.every((l) => l.trace_id === undefined && l.span_id === undefined),
        'and no line carries a trace id',
      );
    } finally {
      await h.close();
      await unregistered.shutdown();
    }
  });
});
