/** The one way a date and time reads on every card and in every sentence Liftoff writes. Pure. */

const FORMATS = new Map<string, Intl.DateTimeFormat>();

function formatIn(timeZone: string): Intl.DateTimeFormat | undefined {
  let format = FORMATS.get(timeZone);
  if (!format) {
    try {
      format = new Intl.DateTimeFormat('en-GB', { timeZone, weekday: 'short', day: 'numeric', month: 'short', year: 'numeric', hour: '2-digit', minute: '2-digit', hourCycle: 'h23' });
    } catch {
      return undefined;
    }
    FORMATS.set(timeZone, format);
  }
  return format;
}

/**
 * An instant as "Tue 1 Dec 2026, 20:56 UTC": in the reader's time zone when Teams gave it (a card drawn
 * for one person), otherwise in UTC; the zone is always named, so a shared card reads the same for everyone.
 */
export function formatWhen(iso: string, timeZone?: string): string {
  const ms = Date.parse(iso);
  if (Number.isNaN(ms)) return iso;
  const zone = timeZone && formatIn(timeZone) ? timeZone : 'UTC';
  const parts = formatIn(zone)!.formatToParts(new Date(ms));
  const get = (type: Intl.DateTimeFormatPartTypes): string => parts.find((p) => p.type === type)?.value ?? '';
  return `${get('weekday')} ${get('day')} ${get('month')} ${get('year')}, ${get('hour')}:${get('minute')} ${zone}`;
}

/** The day alone, as in "promoted Tue 1 Dec 2026". */
export function formatDay(iso: string, timeZone?: string): string {
  return formatWhen(iso, timeZone).split(',')[0] ?? iso;
}

/** A wall-clock reading typed in a zone ("2026-12-05T10:00" in Europe/Paris) in the same words: "Sat 5 Dec 2026, 10:00 Europe/Paris". */
export function formatWallClock(local: string, timeZone: string): string {
  const iso = local.trim().replace(' ', 'T');
  const shown = formatWhen(`${iso.length === 16 ? `${iso}:00` : iso}Z`);
  return shown.endsWith(' UTC') ? `${shown.slice(0, -' UTC'.length)} ${timeZone}` : local;
}
