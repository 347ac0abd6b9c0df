export const MS_PER_DAY = 86_400_000;
/** Calendar year used for time to expiry (ACT/365). */
export const MS_PER_YEAR = 365 * MS_PER_DAY;

function pad(value: number, width = 2): string {
  return String(value).padStart(width, '0');
}

/** YYYYMMDD in UTC. */
export function formatYmd(epochMs: number): string {
  const date = new Date(epochMs);
  return `${date.getUTCFullYear()}${pad(date.getUTCMonth() + 1)}${pad(date.getUTCDate())}`;
}

/**
 * The instant an option stops trading: 21:00 UTC on its expiry date, i.e. the 16:00 New York close during
 * daylight saving time (an hour late in winter; the simulator does not model time zones).
 */
export function expiryInstant(yyyymmdd: string): number {
  const year = Number(yyyymmdd.slice(0, 4));
  const month = Number(yyyymmdd.slice(4, 6));
  const day = Number(yyyymmdd.slice(6, 8));
  return Date.UTC(year, month - 1, day, 21, 0, 0);
}

/** Start of the UTC day containing `epochMs`: the reference point of the daily P&L. */
export function startOfUtcDay(epochMs: number): number {
  return Math.floor(epochMs / MS_PER_DAY) * MS_PER_DAY;
}
