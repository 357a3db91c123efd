import { existsSync } from 'node:fs';
import { readFile } from 'node:fs/promises';
import { dirname, join } from 'node:path';
import { randomUUID } from 'node:crypto';
import restify, { type Request, type RequestHandler, type Response, type Server } from 'restify';
import { z } from 'zod';
import type { Logger } from '../log';
import type { Acted, TabActions } from './actions';
import type { ReleaseBoard, Tagged } from './board';
import type { TabIdentity, TabPerson } from './identity';

/** Team ids, chat ids and workload ids as Teams and Liftoff write them ("19:…@thread.tacv2", "<tenant>:<scope>:<slug>"). */
const idSchema = z
  .string()
  .trim()
  .min(1)
  .max(400)
  .regex(/^[\w:@.;=+-]+$/);

const SIGN_IN = 'Open Liftoff from Microsoft Teams: the tab signs you in with your Teams account.';
const NOT_FOUND = 'No workload by that id here, or it belongs to a team or chat you are not in.';
const NOT_A_MEMBER = 'This team or chat has no release board you can see: Liftoff answers only its members.';
const FAILED = 'Liftoff could not read the release board just now. Try again in a moment.';
const GONE = 'That is no longer there, or it belongs to a team or chat you are not in. Here is your release work as it is now.';
const NOT_JSON = 'Send the action as JSON (content-type application/json).';
const MALFORMED = 'That action is not one Liftoff knows: reload the tab and press the button again.';

/** An action's body is a few ids and a comment. */
const MAX_ACTION_BYTES = 16 * 1024;

const text = (max: number) => z.string().max(max).default('');

/** What each button of the tab sends, by path under /api/tab/. */
const actionBodies = {
  gates: z.object({ workloadId: idSchema, gateId: idSchema, rev: z.number().int().min(1), decision: z.enum(['pass', 'fail', 'waive']), note: text(5000), requestId: idSchema.optional() }),
  uat: z.object({ workloadId: idSchema, cycleId: idSchema, decision: z.enum(['approve', 'reject']), comment: text(5000), evidence: text(4000) }),
  signoff: z.object({ workloadId: idSchema, cycleId: idSchema, decision: z.enum(['approve', 'reject']), comment: text(5000) }),
  acknowledgements: z.object({ workloadId: idSchema, noticeId: idSchema }),
  'action-items': z.object({ workloadId: idSchema, actionId: idSchema }),
} as const;

/** Whether a request's If-None-Match names this tag (a list, or *, as HTTP allows). */
function matches(ifNoneMatch: string | undefined, etag: string): boolean {
  if (!ifNoneMatch) return false;
  return ifNoneMatch.split(',').some((tag) => {
    const t = tag.trim().replace(/^W\//, '');
    return t === '*' || t === etag;
  });
}

/** Answers a tagged read: 304 with no body when the poll already has this version. */
function sendTagged<T>(req: Request, res: Response, tagged: Tagged<T>): void {
  res.setHeader('etag', tagged.etag);
  if (matches(req.headers['if-none-match'], tagged.etag)) {
    res.writeHead(304);
    res.end();
    return;
  }
  if (tagged.json === undefined) {
    res.send(200, tagged.view);
    return;
  }
  res.setHeader('content-type', 'application/json');
  res.sendRaw(200, tagged.json);
}

/** Where Teams may frame the tab pages (Teams on the web, the new client, Microsoft 365 and Outlook hosts). */
const FRAME_ANCESTORS = "'self' https://teams.microsoft.com https://*.teams.microsoft.com https://*.cloud.microsoft https://*.office.com https://*.microsoft365.com https://*.skype.com";

const PAGES = ['board', 'mywork', 'config'] as const;

const CONTENT_TYPES: Record<string, string> = {
  '.js': 'text/javascript; charset=utf-8',
  '.css': 'text/css; charset=utf-8',
  '.svg': 'image/svg+xml',
  '.png': 'image/png',
  '.woff2': 'font/woff2',
  '.json': 'application/json',
};

/** The folder Vite builds the pages into (dist/tab at the repository root), from the sources or from dist/. */
export function tabBuildDir(from: string = __dirname): string {
  let dir = from;
  while (!existsSync(join(dir, 'package.json')) && dirname(dir) !== dir) dir = dirname(dir);
  return join(dir, 'dist', 'tab');
}

/** The tab's pages under /tab/… and its JSON API under /api/tab/…, on Liftoff's own server. */
export function registerTabRoutes(server: Server, deps: { identity: TabIdentity; board: ReleaseBoard; actions: TabActions; log: Logger; buildDir?: string }): void {
  const buildDir = deps.buildDir ?? tabBuildDir();

  /** Runs an API handler for a signed-in person; every failure becomes one of our sentences. */
  const api =
    (handler: (req: Request, res: Response, person: TabPerson) => Promise<void>) =>
    async (req: Request, res: Response): Promise<void> => {
      res.setHeader('cache-control', 'no-store');
      try {
        const person = await deps.identity.verify(req.headers.authorization);
        if (!person) {
          res.setHeader('www-authenticate', 'Bearer');
          res.send(401, { message: SIGN_IN });
          return;
        }
        await handler(req, res, person);
      } catch (error) {
        deps.log.error({ event: 'tab.request_failed', path: req.path(), err: error }, 'tab request failed');
        if (!res.headersSent) res.send(500, { message: FAILED });
      }
    };

  server.get(
    '/api/tab/board',
    api(async (req, res, person) => {
      // The server runs no query parser: the one parameter is read here.
      const scope = idSchema.safeParse(new URL(req.url ?? '/', 'http://liftoff').searchParams.get('scope') ?? undefined);
      if (!scope.success) {
        res.send(400, { message: 'Open the release board from a team channel or a group chat: the request named no team or chat.' });
        return;
      }
      const board = await deps.board.board(person, scope.data);
      if (board) sendTagged(req, res, board);
      else res.send(404, { message: NOT_A_MEMBER });
    }),
  );

  server.get(
    '/api/tab/workloads/:workloadId',
    api(async (req, res, person) => {
      const id = idSchema.safeParse((req.params as Record<string, unknown>).workloadId);
      const detail = id.success ? await deps.board.workload(person, id.data) : undefined;
      if (detail) sendTagged(req, res, detail);
      else res.send(404, { message: NOT_FOUND });
    }),
  );

  server.get(
    '/api/tab/mywork',
    api(async (req, res, person) => {
      sendTagged(req, res, await deps.board.myWork(person));
    }),
  );

  // The tab's buttons: each body is checked, then handed to the use case the card calls; 200 when it changed
  // something, 409 with the card's own sentence when the rule refused, 404 when there is nothing to act on.
  const json: RequestHandler = (req, res, next) => {
    if (/^application\/json\b/i.test(req.headers['content-type'] ?? '')) return next();
    res.send(415, { message: NOT_JSON });
    return next(false);
  };
  const readers = [json, restify.plugins.bodyReader({ maxBodySize: MAX_ACTION_BYTES }), restify.plugins.jsonBodyParser({ bodyReader: true, mapParams: false })];
  const act = <S extends z.ZodType>(path: string, schema: S, run: (person: TabPerson, body: z.infer<S>) => Promise<Acted>) =>
    server.post(
      `/api/tab/${path}`,
      ...readers,
      api(async (req, res, person) => {
        const body = schema.safeParse(req.body);
        if (!body.success) {
          res.send(400, { message: MALFORMED });
          return;
        }
        const result = await run(person, body.data);
        if (!result) res.send(404, { message: GONE });
        else res.send(result.changed ? 200 : 409, result);
      }),
    );
  act('gates', actionBodies.gates, (person, body) => deps.actions.decideGate(person, { ...body, requestId: body.requestId ?? randomUUID() }));
  act('uat', actionBodies.uat, (person, body) => deps.actions.decideUat(person, body));
  act('signoff', actionBodies.signoff, (person, body) => deps.actions.finalSignoff(person, body));
  act('acknowledgements', actionBodies.acknowledgements, (person, body) => deps.actions.acknowledge(person, body));
  act('action-items', actionBodies['action-items'], (person, body) => deps.actions.completeAction(person, body));

  const sendFile = async (res: Response, path: string, contentType: string, cache: string): Promise<void> => {
    let body: Buffer;
    try {
      body = await readFile(path);
    } catch {
      res.setHeader('content-type', 'text/plain; charset=utf-8');
      res.sendRaw(503, 'The tab pages are not built on this server: run npm run build, then start Liftoff again.');
      return;
    }
    res.setHeader('content-type', contentType);
    res.setHeader('cache-control', cache);
    res.setHeader('content-security-policy', `frame-ancestors ${FRAME_ANCESTORS}`);
    res.setHeader('x-content-type-options', 'nosniff');
    res.sendRaw(200, body);
  };

  for (const page of PAGES) {
    server.get(`/tab/${page}`, async (_req: Request, res: Response) => sendFile(res, join(buildDir, `${page}.html`), 'text/html; charset=utf-8', 'no-cache'));
  }
  server.get('/tab/assets/:file', async (req: Request, res: Response) => {
    const param = (req.params as Record<string, unknown>).file;
    const file = typeof param === 'string' ? param : '';
    const type = CONTENT_TYPES[/\.[a-z0-9]+$/i.exec(file)?.[0] ?? ''];
    // Vite names every asset by its content hash: a plain name, so nothing outside assets/ can be asked for.
    if (!/^[\w.-]+$/.test(file) || file.startsWith('.') || !type) {
      res.send(404, { message: 'No such file.' });
      return;
    }
    await sendFile(res, join(buildDir, 'assets', file), type, 'public, max-age=31536000, immutable');
  });
}
