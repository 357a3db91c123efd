import pino from 'pino';
import { traceFields } from './telemetry';

/** The one structured logger: one JSON line per event. */
export type Logger = pino.Logger;

/** The logger; `destination` defaults to stdout. A line written inside a span carries its trace_id and span_id. */
export function createLogger(level: string, destination?: pino.DestinationStream): Logger {
  const options: pino.LoggerOptions = { level, base: { app: 'liftoff' }, timestamp: pino.stdTimeFunctions.isoTime, mixin: traceFields };
  return destination ? pino(options, destination) : pino(options);
}
