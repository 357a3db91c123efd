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

/** GETs a tab API path with the person's Teams SSO token; the server's sentence becomes the error. */
export async function getJson<T>(path: string): Promise<T> {
  const token = await authentication.getAuthToken();
  const response = await fetch(path, { headers: { authorization: `Bearer ${token}` } });
  const body = (await response.json().catch(() => ({}))) as { message?: string };
  if (!response.ok) throw new ApiError(response.status, body.message ?? 'Liftoff could not answer just now. Try again in a moment.');
  return body as T;
}

/** Opens a Teams deep link through the host (a link cannot navigate the Teams client from inside the tab's frame). */
export function openInTeams(url: string): void {
  app.openLink(url).catch(() => window.open(url, '_blank', 'noopener'));
}
