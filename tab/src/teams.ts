// The tab's line to the Teams client: context, the SSO token, and the theme. Outside Teams there is no
// host to answer, and the page says how to open it instead.
import { app, authentication } from '@microsoft/teams-js';

export type Theme = 'default' | 'dark' | 'contrast';

export interface TeamsPlace {
  /** The team's id as the bot knows it (team.internalId), or the chat's id. */
  scopeId?: string;
  theme: Theme;
}

/** How long Teams gets to answer app.initialize before the page says it is not inside Teams. */
const HOST_WAIT_MS = 8000;

const asTheme = (value: string | undefined): Theme => (value === 'dark' || value === 'contrast' ? value : 'default');

/** Starts teams-js and reads where the tab is; rejects when the page is not running inside Teams. */
export async function connectToTeams(onTheme: (theme: Theme) => void): Promise<TeamsPlace> {
  let timer: ReturnType<typeof setTimeout> | undefined;
  const timeout = new Promise<never>((_, reject) => {
    timer = setTimeout(() => reject(new Error('no Teams host')), HOST_WAIT_MS);
  });
  try {
    await Promise.race([app.initialize(), timeout]);
  } finally {
    clearTimeout(timer);
  }
  const context = await app.getContext();
  app.registerOnThemeChangeHandler((theme) => onTheme(asTheme(theme)));
  const scopeId = context.team?.internalId ?? context.chat?.id;
  return { ...(scopeId ? { scopeId } : {}), theme: asTheme(context.app.theme) };
}

export class ApiError extends Error {
  constructor(
    readonly status: number,
    message: string,
  ) {
    super(message);
  }
}

const UNAVAILABLE = 'Liftoff could not answer just now. Try again in a moment.';

async function call(path: string, init: { method?: string; headers?: Record<string, string>; body?: string } = {}): Promise<Response> {
  const token = await authentication.getAuthToken();
  return fetch(path, { ...init, headers: { ...init.headers, authorization: `Bearer ${token}` } });
}

/** A poll: with the tag of what is shown, the server answers 304 (unchanged) until something changed. */
export async function getTagged<T>(path: string, etag?: string): Promise<{ unchanged: true } | { unchanged: false; data: T; etag?: string }> {
  const response = await call(path, etag ? { headers: { 'if-none-match': etag } } : {});
  if (response.status === 304) return { unchanged: true };
  const body = (await response.json().catch(() => ({}))) as { message?: string };
  if (!response.ok) throw new ApiError(response.status, body.message ?? UNAVAILABLE);
  const tag = response.headers.get('etag');
  return { unchanged: false, data: body as T, ...(tag ? { etag: tag } : {}) };
}

/** POSTs one of the tab's actions; answers the server's sentence and whether it changed anything (a refusal is a sentence too). */
export async function postAction(path: string, body: Record<string, unknown>): Promise<{ changed: boolean; message: string }> {
  const response = await call(path, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify(body) });
  const answer = (await response.json().catch(() => ({}))) as { changed?: boolean; message?: string };
  return { changed: response.ok && answer.changed === true, message: answer.message ?? UNAVAILABLE };
}

/** Opens a Teams deep link through the host (a link cannot navigate the Teams client from inside the tab's frame). */
export function openInTeams(url: string): void {
  app.openLink(url).catch(() => window.open(url, '_blank', 'noopener'));
}
