/** Wall-clock dates and times in IANA time zones, for due times, deadlines and change windows. Pure. */

/** Time zones offered on cards (IANA names); any name Intl knows is accepted when typed. */
export const TIME_ZONES = [
  'UTC',
  'Europe/London',
  'Europe/Dublin',
  'Europe/Lisbon',
  'Europe/Paris',
  'Europe/Berlin',
  'Europe/Amsterdam',
  'Europe/Madrid',
  'Europe/Rome',
  'Europe/Stockholm',
  'Europe/Warsaw',
  'Europe/Helsinki',
  'Europe/Athens',
  'Europe/Istanbul',
  'Africa/Lagos',
  'Africa/Cairo',
  'Africa/Johannesburg',
  'Asia/Dubai',
  'Asia/Kolkata',
  'Asia/Singapore',
  'Asia/Shanghai',
  'Asia/Tokyo',
  'Asia/Seoul',
  'Australia/Perth',
  'Australia/Sydney',
  'Pacific/Auckland',
  'America/Sao_Paulo',
  'America/Toronto',
  'America/New_York',
  'America/Chicago',
  'America/Mexico_City',
  'America/Denver',
  'America/Phoenix',
  'America/Los_Angeles',
  'America/Anchorage',
  'Pacific/Honolulu',
] as const;

/** The canonical IANA name of a time zone, or undefined when Intl does not know it. */
export function canonicalTimeZone(name: string): string | undefined {
  if (!name.trim()) return undefined;
  try {
    return new Intl.DateTimeFormat('en-US', { timeZone: name.trim() }).resolvedOptions().timeZone;
  } catch {
    return undefined;
  }
}

const DAY_MS = 24 * 3_600_000;

/** The wall-clock time in `timeZone` at an instant, expressed as if it were UTC (milliseconds). */
export function wallClockMs(instantMs: number, timeZone: string): number {
  const parts = new Intl.DateTimeFormat('en-US', {
    timeZone,
    hourCycle: 'h23',
    year: 'numeric',
    month: 'numeric',
    day: 'numeric',
    hour: 'numeric',
    minute: 'numeric',
    second: 'numeric',
  }).formatToParts(new Date(instantMs));
  const get = (type: Intl.DateTimeFormatPartTypes): number => Number(parts.find((p) => p.type === type)?.value);
  return Date.UTC(get('year'), get('month') - 1, get('day'), get('hour'), get('minute'), get('second'));
}

/** A typed date (YYYY-MM-DD) and time (HH:MM) as a wall-clock reading, or what is wrong with them. */
export function parseLocal(date: string, time: string): { ok: true; wall: number } | { ok: false; problem: 'date' | 'time' | 'unreal' } {
  const d = /^(\d{4})-(\d{2})-(\d{2})$/.exec(date.trim());
  if (!d) return { ok: false, problem: 'date' };
  const t = /^(\d{2}):(\d{2})(?::\d{2})?$/.exec(time.trim());
  if (!t) return { ok: false, problem: 'time' };
  const [year, month, day, hour, minute] = [d[1], d[2], d[3], t[1], t[2]].map(Number) as [number, number, number, number, number];
  const wall = Date.UTC(year, month - 1, day, hour, minute);
  const check = new Date(wall);
  if (check.getUTCFullYear() !== year || check.getUTCMonth() !== month - 1 || check.getUTCDate() !== day || hour > 23 || minute > 59) {
    return { ok: false, problem: 'unreal' };
  }
  return { ok: true, wall };
}

/**
 * When a wall-clock reading happens in a zone: its first occurrence (a time the clocks pass twice
 * happens twice), or, for a time the clocks skip, the instant the same reading names an hour later
 * by the old offset. Each capability decides whether a skipped time is refused or taken.
 */
export function readInZone(wall: number, timeZone: string): { kind: 'exists'; at: number } | { kind: 'skipped'; after: number } {
  // A zone's offset changes at most once in any two days: the offsets a day either side cover it.
  const before = wallClockMs(wall - DAY_MS, timeZone) - (wall - DAY_MS);
  const after = wallClockMs(wall + DAY_MS, timeZone) - (wall + DAY_MS);
  const candidates = [...new Set([before, after])]
    .map((offset) => wall - offset)
    .filter((instant) => wallClockMs(instant, timeZone) === wall)
    .sort((x, y) => x - y);
  const first = candidates[0];
  return first === undefined ? { kind: 'skipped', after: wall - before } : { kind: 'exists', at: first };
}

/** A date (YYYY-MM-DD) in a time zone, a number of days after `now`. */
export function dateIn(timeZone: string, now: string, daysLater = 0): string {
  const wall = new Date(wallClockMs(Date.parse(now) + daysLater * DAY_MS, canonicalTimeZone(timeZone) ?? 'UTC'));
  return wall.toISOString().slice(0, 10);
}
