import { context, metrics, SpanKind, SpanStatusCode, trace } from '@opentelemetry/api';
import type { Attributes, Counter, Histogram, Span } from '@opentelemetry/api';
import { suppressTracing } from '@opentelemetry/core';

/**
 * Liftoff's spans and metrics, through the OpenTelemetry API only. Without a registered SDK (no
 * APPLICATIONINSIGHTS_CONNECTION_STRING, see bot/monitor.ts) the API's no-op implementation records nothing.
 */

/** The name of Liftoff's tracer and meter. */
export const TELEMETRY_NAME = 'liftoff';

/** How a turn ended: a handler answered; the request was not read; the workload it names is not there; something broke. */
export type TurnOutcome = 'answered' | 'refused' | 'missing' | 'failed';

/** How one delivery of a notice ended. */
export type DeliveryOutcome = 'sent' | 'blocked' | 'notFound' | 'failed';

export const ATTR = {
  verb: 'liftoff.verb',
  command: 'liftoff.command',
  activityType: 'liftoff.activity_type',
  workloadId: 'liftoff.workload_id',
  outcome: 'liftoff.outcome',
  teamsOperation: 'liftoff.teams.operation',
  teamsAttempt: 'liftoff.teams.attempt',
  throttled: 'liftoff.teams.throttled',
  retryAfterMs: 'liftoff.teams.retry_after_ms',
  teamsErrorCode: 'liftoff.teams.error_code',
  statusCode: 'http.response.status_code',
} as const;

/** The span of one turn, named and described by the edge once it knows what the turn is. */
export interface TurnSpan {
  name(name: string): void;
  set(attributes: Attributes): void;
  outcome(outcome: TurnOutcome): void;
}

/** What the edge tells about a failed call to Teams. */
export interface TeamsFailure {
  status: number;
  code: string;
  retryAfterMs?: number;
}

/** Turn spans, dependency spans for Teams and Cosmos DB, and the metrics; one per running Liftoff. */
export class Telemetry {
  // Taken from the global API when Liftoff starts: the SDK (if any) is registered before that.
  private readonly tracer = trace.getTracer(TELEMETRY_NAME);
  private readonly meter = metrics.getMeter(TELEMETRY_NAME);
  private readonly invokeDuration: Histogram = this.meter.createHistogram('liftoff.invoke.duration', { unit: 'ms', description: 'Time to answer a card action, by verb and outcome' });
  private readonly deliveries: Counter = this.meter.createCounter('liftoff.deliveries', { description: 'Deliveries of notices that ended, by outcome' });
  private readonly throttles: Counter = this.meter.createCounter('liftoff.teams.throttles', { description: 'Requests Teams answered with 429' });
  private readonly leaseHandovers: Counter = this.meter.createCounter('liftoff.sender.lease_handovers', { description: 'Broadcast sender leases taken over from another instance' });

  /** Runs one turn inside its span; the span ends, with its outcome, when the turn does. */
  async turn<T>(activityType: string, run: (span: TurnSpan) => Promise<T>): Promise<T> {
    return this.tracer.startActiveSpan(`liftoff.activity ${activityType}`, { kind: SpanKind.INTERNAL, attributes: { [ATTR.activityType]: activityType } }, async (span) => {
      const handle: TurnSpan = {
        name: (name) => span.updateName(name),
        set: (attributes) => span.setAttributes(attributes),
        outcome: (outcome) => {
          span.setAttribute(ATTR.outcome, outcome);
          if (outcome === 'failed') span.setStatus({ code: SpanStatusCode.ERROR });
        },
      };
      try {
        return await run(handle);
      } catch (error) {
        handle.outcome('failed');
        throw error;
      } finally {
        span.end();
      }
    });
  }

  /** One request to Teams through the outbound pipeline, as a dependency span. */
  async teamsCall<T>(operation: string, attempt: number, request: () => Promise<T>, failureOf: (error: unknown) => TeamsFailure | undefined): Promise<T> {
    return this.tracer.startActiveSpan(`Teams ${operation}`, { kind: SpanKind.CLIENT, attributes: { [ATTR.teamsOperation]: operation, [ATTR.teamsAttempt]: attempt } }, async (span) => {
      try {
        return await request();
      } catch (error) {
        const failure = failureOf(error);
        if (failure) {
          const throttled = failure.status === 429;
          span.setAttributes({ [ATTR.statusCode]: failure.status, [ATTR.teamsErrorCode]: failure.code, [ATTR.throttled]: throttled });
          if (failure.retryAfterMs !== undefined) span.setAttribute(ATTR.retryAfterMs, failure.retryAfterMs);
          if (throttled) this.throttles.add(1);
        }
        span.setStatus({ code: SpanStatusCode.ERROR });
        throw error;
      } finally {
        span.end();
      }
    });
  }

  /**
   * One HTTP request to Cosmos DB, as a dependency span. The SDK's own request goes out with tracing suppressed,
   * so an HTTP instrumentation does not report the same call twice.
   */
  async cosmosCall<T extends { status: number }>(operation: string, container: string | undefined, request: () => Promise<T>): Promise<T> {
    const name = container ? `cosmos ${operation} ${container}` : `cosmos ${operation}`;
    const attributes: Attributes = { 'db.system.name': 'azure.cosmosdb', 'db.operation.name': operation, ...(container ? { 'db.collection.name': container } : {}) };
    return this.tracer.startActiveSpan(name, { kind: SpanKind.CLIENT, attributes }, async (span: Span) => {
      try {
        const response = await context.with(suppressTracing(context.active()), request);
        span.setAttributes({ [ATTR.statusCode]: response.status, 'db.response.status_code': String(response.status) });
        // 404, 409 and 412 are answers the store acts on (absent, already there, changed meanwhile), not failures.
        if (response.status >= 500 || response.status === 429) span.setStatus({ code: SpanStatusCode.ERROR });
        return response;
      } catch (error) {
        span.setStatus({ code: SpanStatusCode.ERROR });
        throw error;
      } finally {
        span.end();
      }
    });
  }

  invokeAnswered(verb: string, outcome: TurnOutcome, ms: number): void {
    this.invokeDuration.record(ms, { [ATTR.verb]: verb, [ATTR.outcome]: outcome });
  }

  deliveryEnded(outcome: DeliveryOutcome): void {
    this.deliveries.add(1, { [ATTR.outcome]: outcome });
  }

  leaseTakenOver(): void {
    this.leaseHandovers.add(1);
  }
}

/** The trace and span ids of the active span, for log lines; empty when no span is recording. */
export function traceFields(): Record<string, string> {
  const span = trace.getActiveSpan();
  if (!span) return {};
  const spanContext = span.spanContext();
  if (!trace.isSpanContextValid(spanContext)) return {};
  const { traceId, spanId, traceFlags } = spanContext;
  return { trace_id: traceId, span_id: spanId, trace_flags: `0${traceFlags.toString(16)}` };
}
