/**
 * The nightly gateway restart as a window of absolute time, computed from a wall-clock time in an explicit
 * time zone. Pure and free of local-time Date getters, so it runs unchanged inside the workflow sandbox and
 * gives the same answer whatever TZ the worker has.
 *
 * Rule for wall times that a DST change makes ambiguous or absent (only possible for times between 01:00
 * and 02:59): an ambiguous time resolves to its first occurrence; a time that does not exist on the spring
 * change day resolves to the same offset as the hour before the change (one hour earlier in UTC terms).
 */
export interface ResetWindowSettings {
  /** HH:MM (or HH:MM:SS), 24-hour, in timeZone */
  time: string;
  timeZone: string;
  durationMs: number;
}

export interface ResetWindow {
  /** epoch ms */
  start: number;
  end: number;
}

const DAY_MS = 86_400_000;
const formatters = new Map<string, Intl.DateTimeFormat>();

function formatterFor(timeZone: string): Intl.DateTimeFormat {
  let formatter = formatters.get(timeZone);
  if (!formatter) {
    formatter = new Intl.DateTimeFormat('en-US', {
      timeZone,
      hourCycle: 'h23',
      year: 'numeric',
      month: 'numeric',
      day: 'numeric',
      hour: 'numeric',
      minute: 'numeric',
      second: 'numeric',
    });
    formatters.set(timeZone, formatter);
  }
  return formatter;
}

interface WallTime {
  year: number;
  month: number;
  day: number;
  hour: number;
  minute: number;
  second: number;
}

function wallTimeAt(epochMs: number, timeZone: string): WallTime {
  const parts: Record<string, number> = {};
  for (const part of formatterFor(timeZone).formatToParts(new Date(epochMs))) {
    if (part.type !== 'literal') parts[part.type] = Number(part.value);
  }
  return {
    year: parts.year,
    month: parts.month,
    day: parts.day,
    hour: parts.hour,
    minute: parts.minute,
    second: parts.second,
  };
}

/** Offset of the zone from UTC at an instant, in ms (negative west of Greenwich). */
function zoneOffsetAt(epochMs: number, timeZone: string): number {
  const w = wallTimeAt(epochMs, timeZone);
  const asUtc = Date.UTC(w.year, w.month - 1, w.day, w.hour, w.minute, w.second);
  return asUtc - Math.floor(epochMs / 1000) * 1000;
}

/** The instant at which the zone's clock shows the given wall time (two-pass offset fix). */
export function zonedWallTimeToEpoch(
  year: number,
  month: number,
  day: number,
  hour: number,
  minute: number,
  timeZone: string,
): number {
  const guess = Date.UTC(year, month - 1, day, hour, minute);
  const first = guess - zoneOffsetAt(guess, timeZone);
  return guess - zoneOffsetAt(first, timeZone);
}

/** HH:MM (configuration) or HH:MM:SS (tests place a window a few seconds ahead). */
function parseTime(time: string): { hour: number; minute: number; second: number } {
  const match = /^(\d{2}):(\d{2})(?::(\d{2}))?$/.exec(time);
  if (!match) throw new Error(`reset time "${time}" is not HH:MM`);
  return { hour: Number(match[1]), minute: Number(match[2]), second: Number(match[3] ?? 0) };
}

/** The window that starts on the zone's calendar day containing `epochMs`. */
function windowOnDayOf(epochMs: number, settings: ResetWindowSettings): ResetWindow {
  const { hour, minute, second } = parseTime(settings.time);
  const day = wallTimeAt(epochMs, settings.timeZone);
  const start = zonedWallTimeToEpoch(day.year, day.month, day.day, hour, minute, settings.timeZone) + second * 1000;
  return { start, end: start + settings.durationMs };
}

/** The window in progress at `now`, or null. */
export function activeResetWindow(now: number, settings: ResetWindowSettings): ResetWindow | null {
  // A window may have started on the previous local day and still be running after midnight.
  for (const probe of [now, now - DAY_MS]) {
    const window = windowOnDayOf(probe, settings);
    if (window.start <= now && now < window.end) return window;
  }
  return null;
}

/** The first window that starts after `now`. */
export function nextResetWindow(now: number, settings: ResetWindowSettings): ResetWindow {
  for (const probe of [now, now + DAY_MS, now + 2 * DAY_MS]) {
    const window = windowOnDayOf(probe, settings);
    if (window.start > now) return window;
  }
  throw new Error('no reset window found in the next two days');
}
