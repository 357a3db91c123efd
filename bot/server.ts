import restify, { Next, Request, Response, Server } from 'restify';
import type { Logger } from './log';

export interface ServerDeps {
  /** Runs one Bot Framework activity through the Teams edge and writes the answer (bot/teams/adapter.ts). */
  processActivity: (req: Request, res: Response) => Promise<void>;
  /** True when the store answers. */
  healthy: () => Promise<boolean>;
  log: Logger;
  /** Further routes on the same server: the Teams tab's pages and API (bot/tab/routes.ts). */
  routes?: (server: Server) => void;
}

/** The largest activity Liftoff reads; Teams activities are far smaller. */
export const MAX_BODY_BYTES = 1024 * 1024;

/** What a caller is told for each refusal: a sentence of ours, never the library's message. */
const REFUSALS: Record<number, string> = {
  400: 'The request body must be a Bot Framework activity in JSON.',
  404: 'Liftoff answers only POST /api/messages, GET /healthz, and its tab under /tab/ and /api/tab/.',
  405: 'Liftoff answers only POST /api/messages, GET /healthz, and its tab under /tab/ and /api/tab/.',
  413: `The request body is larger than ${MAX_BODY_BYTES / 1024 / 1024} MB.`,
  415: 'Liftoff reads only uncompressed JSON (Content-Type application/json, no Content-Encoding).',
};
const FAILED = 'Liftoff could not process this request.';

const refusal = (status: number): string => REFUSALS[status] ?? (status >= 500 ? FAILED : REFUSALS[400]!);

const isJson = (contentType: string | undefined): boolean => /^application\/(?:[\w.+-]+\+)?json\s*(?:;|$)/i.test(contentType?.trim() ?? '');

/** The HTTP surface: the Bot Framework messaging endpoint, a health probe, and the routes given (the tab). Nothing else is exposed. */
export function createServer(deps: ServerDeps): { server: Server; inFlight: () => number } {
  // No domain-based handler: nothing on the request path may throw past its own try, so nothing needs catching globally.
  const server = restify.createServer({ name: 'liftoff', handleUncaughtExceptions: false });
  let inFlight = 0;

  const refuse = (req: Request, res: Response, status: number, reason: string): void => {
    deps.log.warn({ event: 'request.refused', method: req.method, path: req.path(), status, reason }, 'request refused');
    // The unread body is not worth draining: close the connection after the answer.
    res.setHeader('connection', 'close');
    res.send(status, { message: refusal(status) });
  };

  // Before routing and before any body is read: restify's reader inflates gzip itself (a zip bomb, and a throw
  // outside any handler on a corrupt stream), so every Content-Encoding is refused and the size limit holds on
  // the bytes that are parsed.
  server.pre((req: Request, res: Response, next: Next) => {
    const encoding = req.headers['content-encoding']?.trim().toLowerCase();
    const length = Number(req.headers['content-length'] ?? 0);
    if (encoding && encoding !== 'identity') refuse(req, res, 415, 'content-encoding');
    else if (length > MAX_BODY_BYTES) refuse(req, res, 413, 'too-large');
    else return next();
    return next(false);
  });

  // Errors restify raises itself (unknown route, body too large or not JSON): one log line and our sentence.
  server.on('restifyError', (req: Request, res: Response, err: { statusCode?: number; name?: string; toJSON?: () => unknown }, done: () => void) => {
    const status = err.statusCode ?? 500;
    const entry = { event: 'request.refused', method: req.method, path: req.path(), status, reason: err.name };
    if (status >= 500) deps.log.error(entry, 'request failed');
    else deps.log.warn(entry, 'request refused');
    err.toJSON = () => ({ message: refusal(status) });
    done();
  });

  server.post(
    '/api/messages',
    (req: Request, res: Response, next: Next) => {
      if (isJson(req.headers['content-type'])) return next();
      refuse(req, res, 415, 'content-type');
      return next(false);
    },
    restify.plugins.bodyReader({ maxBodySize: MAX_BODY_BYTES }),
    restify.plugins.jsonBodyParser({ bodyReader: true, mapParams: false }),
    async (req: Request, res: Response) => {
      const body = req.body as { type?: unknown } | undefined;
      if (!body || typeof body !== 'object' || typeof body.type !== 'string') {
        refuse(req, res, 400, 'not-an-activity');
        return;
      }
      inFlight += 1;
      try {
        await deps.processActivity(req, res);
      } catch (error) {
        deps.log.error({ event: 'request.failed', err: error }, 'messaging endpoint failed');
        if (!res.headersSent) res.send(500, { message: FAILED });
      } finally {
        inFlight -= 1;
      }
    },
  );

  server.get('/healthz', async (_req, res) => {
    let ok = false;
    try {
      ok = await deps.healthy();
    } catch (error) {
      deps.log.warn({ event: 'health.failed', err: error }, 'health probe failed');
    }
    res.send(ok ? 200 : 503, { status: ok ? 'ok' : 'cosmos unavailable' });
  });

  deps.routes?.(server);

  return { server, inFlight: () => inFlight };
}
