import restify, { Request, Response, Server } from 'restify';
import type { Logger } from './log';

export interface ServerDeps {
  /** Runs one Bot Framework activity through the Teams edge and writes the answer (bot/teams/adapter.ts). */
  processActivity: (req: Request, res: Response) => Promise<void>;
  /** True when the store answers. */
  healthy: () => Promise<boolean>;
  log: Logger;
}

/** The HTTP surface: the Bot Framework messaging endpoint and a health probe. Nothing else is exposed. */
export function createServer(deps: ServerDeps): { server: Server; inFlight: () => number } {
  const server = restify.createServer({ name: 'liftoff', handleUncaughtExceptions: false });
  server.use(restify.plugins.bodyParser({ maxBodySize: 1024 * 1024, mapParams: false }));
  let inFlight = 0;

  server.post('/api/messages', async (req, res) => {
    const body = req.body as { type?: unknown } | undefined;
    if (!body || typeof body !== 'object' || typeof body.type !== 'string') {
      res.send(400, { message: 'The request body must be a Bot Framework activity.' });
      return;
    }
    inFlight += 1;
    try {
      await deps.processActivity(req, res);
    } catch (error) {
      deps.log.error({ event: 'request.failed', err: error }, 'messaging endpoint failed');
      if (!res.headersSent) res.send(500, { message: 'Liftoff could not process this activity.' });
    } finally {
      inFlight -= 1;
    }
  });

  server.get('/healthz', async (_req, res) => {
    const ok = await deps.healthy();
    res.send(ok ? 200 : 503, { status: ok ? 'ok' : 'cosmos unavailable' });
  });

  return { server, inFlight: () => inFlight };
}
