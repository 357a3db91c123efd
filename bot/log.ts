import pino from 'pino';

/** The one structured logger: one JSON line per event. */
export type Logger = pino.Logger;

export function createLogger(level: string): Logger {
  return pino({ level, base: { app: 'liftoff' }, timestamp: pino.stdTimeFunctions.isoTime });
}
